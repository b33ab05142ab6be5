import { afterEach } from 'vitest';
import type { EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import type { Harness } from './harness.js';

/**
 * For a test file: a `started` that starts a harness's mapping, and stops every mapping it started after
 * each test, whatever happens, so a failed test leaves no poller behind.
 */
export function startedHarnesses(): (harness: Harness) => Promise<Harness> {
  const running: EventSourceMapping[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((mapping) => mapping.stop()));
  });
  return async (harness) => {
    running.push(harness.mapping);
    await harness.mapping.start();
    return harness;
  };
}
