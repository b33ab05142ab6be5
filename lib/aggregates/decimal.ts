/*
 * Exact decimal arithmetic for amounts that DynamoDB adds as decimals (N is a 38-digit decimal there):
 * 19.99 - 5.1 must reach the table as 14.89, not 14.889999999999999.
 */

interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parse(text: string): Decimal {
  const match = DECIMAL.exec(text.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new RangeError(`"${text}" is not a decimal number`);
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let units = BigInt(`${whole}${fraction}` || '0');
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: sign === '-' ? -units : units, scale };
}

function format({ units, scale }: Decimal): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** The exact decimal text of a number as DynamoDB stores it (a JS number prints its shortest round-trip form). */
export const decimalText = (value: number | bigint | string): string => format(parse(String(value)));

/** a - b, exactly, as decimal text. */
export function subtractDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const units = x.units * 10n ** BigInt(scale - x.scale) - y.units * 10n ** BigInt(scale - y.scale);
  return format({ units, scale });
}

/** a + b, exactly, as decimal text. */
export function addDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const scale = Math.max(x.scale, y.scale);
  const units = x.units * 10n ** BigInt(scale - x.scale) + y.units * 10n ** BigInt(scale - y.scale);
  return format({ units, scale });
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
