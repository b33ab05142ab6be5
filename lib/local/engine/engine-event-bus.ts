import type { EngineEvent, EngineEventListener } from './engine-event.js';

/** Fans the engine's events out to several listeners (log lines, a web console, tests). */
export interface EngineEventBus {
  publish(event: EngineEvent): void;
  /** Adds a listener; call the returned function to remove it. */
  subscribe(listener: EngineEventListener): () => void;
}

/**
 * An in-process bus. A listener that throws does not stop the engine nor the other listeners: its error
 * goes to `onListenerError` (default: a process warning, so it is seen and not lost).
 */
export function createEngineEventBus(
  onListenerError: (error: unknown, event: EngineEvent) => void = (error, event) =>
    process.emitWarning(`an engine event listener failed on a ${event.type} event: ${(error as Error)?.message ?? String(error)}`),
): EngineEventBus {
  const listeners = new Set<EngineEventListener>();
  return {
    publish(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error, event);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
