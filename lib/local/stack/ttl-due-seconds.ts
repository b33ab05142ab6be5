/** DynamoDB's number grammar, as its wire text carries it (no hex, no spaces, no Infinity or NaN). */
const NUMBER = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The first whole epoch second at which a TTL attribute's value (a DynamoDB Number's text) has passed:
 * the value rounded up, computed on the text so that `1800000000.0000000000000000001` is due at
 * 1800000001, not 1800000000 (a double would round it down and the conditional delete would miss it).
 * Undefined when the text is not a number or lies beyond the safe-integer range (never due in practice).
 */
export function ttlDueSeconds(text: string): number | undefined {
  const match = NUMBER.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const allDigits = `${whole}${fraction}`;
  if (!/[1-9]/.test(allDigits)) return 0;
  const exponent = Number(exponentText);
  // DynamoDB's exponents stay within ±130; anything larger is far beyond any date.
  if (!Number.isSafeInteger(exponent) || exponent > 200) return undefined;
  // Where the decimal point falls within allDigits.
  const point = whole.length + exponent;
  let integerPart: string;
  let rest: string;
  if (point <= 0) {
    integerPart = '0';
    rest = allDigits;
  } else if (point >= allDigits.length) {
    integerPart = allDigits + '0'.repeat(point - allDigits.length);
    rest = '';
  } else {
    integerPart = allDigits.slice(0, point);
    rest = allDigits.slice(point);
  }
  let value = BigInt(integerPart);
  const hasFraction = /[1-9]/.test(rest);
  if (sign === '-') value = -value;
  // Ceiling: a positive fraction rounds up; a negative one rounds towards zero, which is already up.
  if (hasFraction && sign !== '-') value += 1n;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(value);
}
