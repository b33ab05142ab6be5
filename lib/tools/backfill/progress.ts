/** What the backfill reports as it goes. */
export interface ProgressSnapshot {
  /** Items processed, including those of earlier runs of a resumed backfill. */
  done: number;
  /** Approximate items in the table (DescribeTable ItemCount); undefined or 0 when unknown. */
  total: number | undefined;
  /** Items per second in this run. */
  rate: number;
  /** Seconds left, when the total is known and the rate is positive. */
  etaSeconds: number | undefined;
  segmentsDone: number;
  totalSegments: number;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  /** Writes the final line (and ends the bar's line on a terminal). */
  finish(snapshot: ProgressSnapshot, outcome: string): void;
}

export interface ProgressOptions {
  /** Where to write; stderr by default. A stream with `isTTY` gets the bar, anything else plain lines. */
  stream?: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** Milliseconds between plain lines. Default 5,000. */
  intervalMs?: number;
  /** Milliseconds between bar redraws. Default 100. */
  redrawMs?: number;
  now?: () => number;
  label?: string;
}

/** `1:02:03`, `2:03`, or `?` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** The numbers of a progress line: `1,234/5,000 items (25%) 350 items/s ETA 0:11 segments 1/4`. */
export function progressText(snapshot: ProgressSnapshot): string {
  const total = snapshot.total && snapshot.total > 0 ? snapshot.total : undefined;
  const count = total
    ? `${snapshot.done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} items ` +
      `(${Math.min(100, Math.floor((snapshot.done / total) * 100))}%)`
    : `${snapshot.done.toLocaleString('en-US')} items`;
  return (
    `${count} ${Math.round(snapshot.rate).toLocaleString('en-US')} items/s ` +
    `ETA ${formatDuration(snapshot.etaSeconds)} segments ${snapshot.segmentsDone}/${snapshot.totalSegments}`
  );
}

/** A bar of `width` cells for a fraction from 0 to 1. */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/**
 * A bar redrawn in place on a terminal; on anything else (CI logs, files) one plain line every
 * `intervalMs`, so logs stay readable.
 */
export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? (() => Date.now());
  const interval = tty ? (options.redrawMs ?? 100) : (options.intervalMs ?? 5000);
  const label = options.label ? `${options.label} ` : '';
  let last = -Infinity;
  const line = (snapshot: ProgressSnapshot) => {
    const text = `${label}${progressText(snapshot)}`;
    if (!tty) return `${text}\n`;
    const fraction = snapshot.total ? snapshot.done / snapshot.total : 0;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 100) - text.length - 3));
    return `\r\x1b[K${progressBar(fraction, width)} ${text}`;
  };
  return {
    update(snapshot) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      stream.write(line(snapshot));
    },
    finish(snapshot, outcome) {
      stream.write(tty ? `${line(snapshot)}\n${label}${outcome}\n` : `${label}${progressText(snapshot)} ${outcome}\n`);
    },
  };
}
