/** A binary min-heap of values by due time: push and pop in O(log n), the earliest in O(1). */
export interface ExpiryHeap<T> {
  push(due: number, value: T): void;
  /** The earliest entry without removing it. */
  peek(): { due: number; value: T } | undefined;
  pop(): { due: number; value: T } | undefined;
  /** Replaces every entry at once (O(n)): used to drop stale entries in bulk. */
  rebuild(entries: { due: number; value: T }[]): void;
  readonly size: number;
}

export function createExpiryHeap<T>(): ExpiryHeap<T> {
  let items: { due: number; value: T }[] = [];
  const swap = (a: number, b: number) => {
    const held = items[a]!;
    items[a] = items[b]!;
    items[b] = held;
  };
  const up = (start: number) => {
    for (let i = start; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.due <= items[i]!.due) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (start: number) => {
    for (let i = start; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && items[left]!.due < items[smallest]!.due) smallest = left;
      if (right < items.length && items[right]!.due < items[smallest]!.due) smallest = right;
      if (smallest === i) return;
      swap(i, smallest);
      i = smallest;
    }
  };
  return {
    push(due, value) {
      items.push({ due, value });
      up(items.length - 1);
    },
    peek: () => items[0],
    pop() {
      const top = items[0];
      const last = items.pop();
      if (top !== last && last) {
        items[0] = last;
        down(0);
      }
      return top;
    },
    rebuild(entries) {
      items = [...entries];
      for (let i = (items.length >> 1) - 1; i >= 0; i--) down(i);
    },
    get size() {
      return items.length;
    },
  };
}
