import type { MetricPoint } from './console-view.js';

interface Bucket {
  t: number;
  records: number;
  invocations: number;
  durationSum: number;
  durations: number;
  durationMax?: number;
  iteratorAgeMax?: number;
}

/** Per-second activity of one mapping over the last `windowSeconds` (older seconds are dropped). */
export class MetricSeries {
  private buckets: Bucket[] = [];

  constructor(private readonly windowSeconds: number) {}

  /** An invocation started with `records` records, `iteratorAgeMs` behind. */
  invoked(nowMs: number, records: number, iteratorAgeMs: number | undefined): void {
    const bucket = this.bucket(nowMs);
    bucket.invocations += 1;
    bucket.records += records;
    if (iteratorAgeMs !== undefined) bucket.iteratorAgeMax = Math.max(bucket.iteratorAgeMax ?? 0, iteratorAgeMs);
  }

  /** An invocation ended after `durationMs`. */
  ended(nowMs: number, durationMs: number): void {
    const bucket = this.bucket(nowMs);
    bucket.durationSum += durationMs;
    bucket.durations += 1;
    bucket.durationMax = Math.max(bucket.durationMax ?? 0, durationMs);
  }

  /** The point of the second `t` (epoch seconds); zeros when nothing happened in it. */
  pointAt(t: number): MetricPoint {
    return toPoint(this.buckets.find((b) => b.t === t) ?? emptyBucket(t));
  }

  /** One point per second, oldest first, up to `nowMs` (seconds without activity are zeros). */
  points(nowMs: number): MetricPoint[] {
    const now = Math.floor(nowMs / 1000);
    this.trim(now);
    const byT = new Map(this.buckets.map((b) => [b.t, b]));
    const points: MetricPoint[] = [];
    for (let t = now - this.windowSeconds + 1; t <= now; t += 1) points.push(toPoint(byT.get(t) ?? emptyBucket(t)));
    return points;
  }

  private bucket(nowMs: number): Bucket {
    const t = Math.floor(nowMs / 1000);
    let bucket = this.buckets.find((b) => b.t === t);
    if (!bucket) {
      bucket = emptyBucket(t);
      this.buckets.push(bucket);
      this.buckets.sort((a, b) => a.t - b.t);
      this.trim(t);
    }
    return bucket;
  }

  private trim(now: number): void {
    const oldest = now - this.windowSeconds + 1;
    while (this.buckets.length > 0 && this.buckets[0]!.t < oldest) this.buckets.shift();
    // A clock set back must not let old buckets pile up.
    if (this.buckets.length > this.windowSeconds) this.buckets.splice(0, this.buckets.length - this.windowSeconds);
  }
}

const emptyBucket = (t: number): Bucket => ({ t, records: 0, invocations: 0, durationSum: 0, durations: 0 });

function toPoint(bucket: Bucket): MetricPoint {
  return {
    t: bucket.t,
    records: bucket.records,
    invocations: bucket.invocations,
    ...(bucket.durationMax !== undefined ? { durationMsMax: bucket.durationMax } : {}),
    ...(bucket.durations > 0 ? { durationMsAvg: bucket.durationSum / bucket.durations } : {}),
    ...(bucket.iteratorAgeMax !== undefined ? { iteratorAgeMsMax: bucket.iteratorAgeMax } : {}),
  };
}
