import { decimalText } from '../aggregates/decimal.js';
import type { Change, RawAttributes } from './types.js';

/** Which attribute map of a change: its keys or one of its images. */
export type RawImageName = keyof RawAttributes;

/** Where a number sits: a top-level attribute name, or a path of map names and list indexes (`['price', 'amounts', 0]`). */
export type AttributePath = string | readonly (string | number)[];

/** The attribute value at `path` in a raw attribute map, or undefined when any step is absent. */
function valueAt(change: Change, image: RawImageName, path: AttributePath): Record<string, unknown> | undefined {
  const raw = change.raw[image];
  if (raw === undefined) return undefined;
  const steps = typeof path === 'string' ? [path] : path;
  let value: unknown = { M: raw };
  for (const step of steps) {
    const container = value as Record<string, unknown>;
    const next =
      typeof step === 'number'
        ? (container.L as unknown[] | undefined)?.[step]
        : (container.M as Record<string, unknown> | undefined)?.[step];
    // An own property only: a name such as `constructor` must not find Object.prototype's.
    if (next === undefined || (typeof step === 'string' && !Object.hasOwn(container.M as object, step))) return undefined;
    value = next;
  }
  return value as Record<string, unknown>;
}

/**
 * The exact value of an N attribute of a change, as canonical decimal text (plain notation, no trailing
 * zeros: `1.50` gives `1.5`, `1E-130` gives `0.00…01`), read from the record's text: never through a
 * double, so `1.0000000000000001` stays itself. Compute with lib/runtime/aggregates/decimal.ts.
 * @returns undefined when the change has no such image or attribute, or the attribute is not an N.
 */
export function exactNumber(change: Change, image: RawImageName, path: AttributePath): string | undefined {
  const value = valueAt(change, image, path);
  return typeof value?.N === 'string' ? decimalText(value.N) : undefined;
}

/** The members of an NS attribute as canonical decimal text, in the record's order; like {@link exactNumber}. */
export function exactNumberSet(change: Change, image: RawImageName, path: AttributePath): string[] | undefined {
  const value = valueAt(change, image, path);
  return Array.isArray(value?.NS) ? value.NS.map((member) => decimalText(member as string)) : undefined;
}
