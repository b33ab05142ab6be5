/*
 * Exact decimal arithmetic for amounts that DynamoDB adds as decimals (N is a 38-digit decimal there, with
 * magnitudes from 1E-130 to 9.99…E+125): 19.99 - 5.1 must reach the table as 14.89, not 14.889999999999999,
 * and 1E-130 + 9E+125 must keep every digit. A value is an integer count of units and a scale (value =
 * units × 10^-scale); nothing passes through a double.
 */

interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Bounds the scale of a value (after dropping trailing zeros). DynamoDB's own numbers need -125 to 167;
 * sums and differences of them stay far inside this, and a bound keeps `10n ** scale` from allocating
 * without limit on a hostile text.
 */
const MAX_SCALE = 10_000;

function parse(text: string): Decimal {
  const match = DECIMAL.exec(text);
  // The text stays out of the message: it is item content, and errors are logged at info level.
  if (!match) throw new RangeError('not a decimal number: expected an optional sign, digits, an optional fraction and exponent');
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/0+$/, '');
  // Zero, whatever its exponent (`0E+99999` is a legal way to write it).
  if (/^0*$/.test(digits)) return { units: 0n, scale: 0 };
  let scale = fraction.length - (whole.length + fraction.length - digits.length) - Number(exponentText);
  if (!(Math.abs(scale) <= MAX_SCALE)) throw new RangeError(`a decimal whose scale passes ±${MAX_SCALE} is outside any DynamoDB number`);
  let units = BigInt(digits);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: sign === '-' ? -units : units, scale };
}

/** Canonical text: plain notation, no exponent, no leading zeros, no trailing fraction zeros, never `-0`. */
function format({ units, scale }: Decimal): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    const fraction = digits.slice(-scale).replace(/0+$/, '');
    digits = digits.slice(0, -scale) + (fraction === '' ? '' : `.${fraction}`);
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

const align = (x: Decimal, y: Decimal): [bigint, bigint, number] => {
  const scale = Math.max(x.scale, y.scale);
  return [x.units * 10n ** BigInt(scale - x.scale), y.units * 10n ** BigInt(scale - y.scale), scale];
};

/**
 * The canonical decimal text of a number: of DynamoDB number text in any accepted notation (`1.50`,
 * `1E-130`, `-0`), or of a JS number (its shortest round-trip form) or bigint.
 * @throws RangeError when the text is not a decimal number.
 */
export const decimalText = (value: number | bigint | string): string => format(parse(String(value)));

/** a + b, exactly, as canonical decimal text. */
export function addDecimal(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format({ units: x + y, scale });
}

/** a - b, exactly, as canonical decimal text. */
export function subtractDecimal(a: string, b: string): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format({ units: x - y, scale });
}

/**
 * Significant digits of a decimal (0 for zero): DynamoDB refuses a number with more than 38, so a sum of deltas
 * that needs more must not be sent as one value.
 */
export function significantDigits(text: string): number {
  const { units } = parse(text);
  const digits = (units < 0n ? -units : units).toString().replace(/0+$/, '');
  return digits === '' ? 0 : digits.length;
}

/** Most significant digits a DynamoDB number holds. */
export const MAX_SIGNIFICANT_DIGITS = 38;

/**
 * True when DynamoDB can store the number: zero, or at most 38 significant digits with a magnitude from 1E-130 up to
 * 9.99…E+125. A sum or difference of storable numbers may not be (`1E38 - 0.1`, `9E125 + 9E125`, `1.5E-130 - 1.4E-130`).
 */
export function isStorableNumber(text: string): boolean {
  const { units, scale } = parse(text);
  if (units === 0n) return true;
  const digits = (units < 0n ? -units : units).toString();
  if (digits.replace(/0+$/, '').length > MAX_SIGNIFICANT_DIGITS) return false;
  // The power of ten of the leading digit: 1E-130 has -130, 9.99…E+125 has 125.
  const exponent = digits.length - 1 - scale;
  return exponent >= -130 && exponent <= 125;
}
