import type { InvocationEvent, RetryEvent, SplitEvent } from '../../local/engine/engine-event.js';
import type { InvocationCause } from './console-view.js';

/** An invocation the engine announced will follow a failed one (a retry, or a part of a split). */
interface Expectation {
  shard: string;
  parentRequestId: string;
  cause: InvocationCause;
  /** The follow-up starts at this record ... */
  firstSequenceNumber?: string;
  /** ... or, for the second half of a split, ends at this one. */
  lastSequenceNumber?: string;
  batchSize: number;
  /** A retry or a split at the failure goes on counting the batch's attempts; the halves of a split start again at 1. */
  continuesAttempts: boolean;
}

/** The invocation an invocation follows from, and why. */
export interface InvocationLink {
  parentRequestId: string;
  cause: InvocationCause;
}

const shardOf = (event: { functionName: string; shardId: string }) => `${event.functionName}\u0000${event.shardId}`;

/**
 * Links the invocations of one batch into a tree (retries and bisections under the invocation that failed),
 * from the engine's events alone: a retry or split event names the failed invocation and the records that come
 * next; the next invocation of that shard with those records is its child. Sequence numbers are unique in a
 * shard, so records of other lanes (parallelization) never match. Bounded: the oldest expectations go first.
 */
export class InvocationLinker {
  private expectations: Expectation[] = [];

  constructor(private readonly capacity = 1_000) {}

  /** Notes what a retry or split event says follows. */
  expect(event: RetryEvent | SplitEvent): void {
    const shard = shardOf(event);
    const base = { shard, parentRequestId: event.requestId };
    if (event.type === 'retry') {
      this.add({
        ...base,
        cause: { kind: 'retry', retry: event.retry, maxRetries: event.maxRetries },
        firstSequenceNumber: event.firstSequenceNumber,
        batchSize: event.batchSize,
        continuesAttempts: true,
      });
    } else if (event.at === 'failure') {
      this.add({
        ...base,
        cause: { kind: 'split', at: 'failure' },
        firstSequenceNumber: event.firstSequenceNumber,
        batchSize: event.batchSize,
        continuesAttempts: true,
      });
    } else {
      const [first = 0, second = 0] = event.parts;
      this.add({
        ...base,
        cause: { kind: 'split', at: 'half', part: 1 },
        firstSequenceNumber: event.firstSequenceNumber,
        batchSize: first,
        continuesAttempts: false,
      });
      this.add({
        ...base,
        cause: { kind: 'split', at: 'half', part: 2 },
        lastSequenceNumber: event.lastSequenceNumber,
        batchSize: second,
        continuesAttempts: false,
      });
    }
  }

  /** The invocation this one follows from, if the engine announced it; each announcement links once. */
  link(event: InvocationEvent): InvocationLink | undefined {
    const shard = shardOf(event);
    const index = this.expectations.findIndex(
      (e) =>
        e.shard === shard &&
        e.batchSize === event.batchSize &&
        (e.continuesAttempts ? event.attempt > 1 : event.attempt === 1) &&
        (e.firstSequenceNumber !== undefined
          ? e.firstSequenceNumber === event.firstSequenceNumber
          : e.lastSequenceNumber === event.lastSequenceNumber),
    );
    if (index === -1) return undefined;
    const [found] = this.expectations.splice(index, 1);
    return { parentRequestId: found!.parentRequestId, cause: found!.cause };
  }

  /** Forgets a shard's announcements: its worker stopped, and what it announced will not come (the records come afresh). */
  forgetShard(functionName: string, shardId: string): void {
    const shard = shardOf({ functionName, shardId });
    this.expectations = this.expectations.filter((e) => e.shard !== shard);
  }

  private add(expectation: Expectation): void {
    this.expectations.push(expectation);
    if (this.expectations.length > this.capacity) this.expectations.shift();
  }
}
