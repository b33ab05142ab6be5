import { systemClock, type Clock } from './clock.js';

/** Wakes sleeping loops early: `wait` resolves on `notify` or after the timeout, whichever comes first. */
export class Signal {
  private waiters = new Set<() => void>();

  constructor(private readonly clock: Clock = systemClock) {}

  notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.clock.clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = this.clock.setTimeout(wake, Math.max(0, ms));
      this.waiters.add(wake);
    });
  }
}
