/** A list that keeps only its newest `capacity` items: everything the console holds in memory is bounded by one. */
export class RingBuffer<T> {
  private items: T[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a ring buffer needs a capacity of at least 1 (got ${capacity})`);
  }

  /** Adds an item; returns the oldest one when it had to go to make room. */
  push(item: T): T | undefined {
    this.items.push(item);
    return this.items.length > this.capacity ? this.items.shift() : undefined;
  }

  get size(): number {
    return this.items.length;
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.items];
  }

  clear(): void {
    this.items = [];
  }
}
