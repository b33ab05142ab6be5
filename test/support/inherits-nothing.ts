/**
 * True when no member of Object.prototype (`constructor`, `toString`, `__proto__`, …) can be read through
 * the object unless it holds it as its own attribute: any attribute name is then data, and an absent one
 * reads as undefined.
 */
export function inheritsNothing(value: object): boolean {
  return Object.getOwnPropertyNames(Object.prototype).every(
    (name) => Object.hasOwn(value, name) || (value as Record<string, unknown>)[name] === undefined,
  );
}
