/*
 * Order totals for the soak, chosen to reach the edges of DynamoDB's numbers: 38 significant digits,
 * magnitudes down to 1E-130 and up to 9.99…E+125, negative values. A statistics row is a DynamoDB number
 * too, so the totals one customer holds at once must add up to a number DynamoDB can store (38 digits,
 * within range): each customer gets one class of totals, all multiples of one power of ten.
 */

/** Which class of totals a customer's orders get, by the customer's position among a writer's three. */
export type TotalClass = 'decimal38' | 'tiny' | 'huge';

export const totalClassOf = (customer: number): TotalClass => (['decimal38', 'tiny', 'huge'] as const)[customer % 3]!;

/** `count` random digits, the first of them from `first`. */
function digits(random: () => number, count: number, first = '123456789'): string {
  let out = first[Math.floor(random() * first.length)]!;
  for (let i = 1; i < count; i++) out += String(Math.floor(random() * 10));
  return out;
}

/** A significant-digit string of 1 to 38 digits, below 5 × 10^(length-1) so two of them still fit in 38 digits. */
const coefficient = (random: () => number): string => {
  const count = 1 + Math.floor(random() * 38);
  const text = digits(random, count, '1234');
  return count > 1 ? text.slice(0, -1) + digits(random, 1) : text;
};

/**
 * One order total as DynamoDB number text.
 * - decimal38: 9 integer digits and 29 fraction digits (38 significant digits, below 5E+8, either sign), or a
 *   plain amount such as 19.99 or 1.0000000000000001; all multiples of 1E-29, so two add up within 38 digits.
 * - tiny: a multiple of 1E-130 (1E-130 itself now and then) of up to 38 digits, either sign.
 * - huge: 1E+125 to 9.99…E+125 with 38 digits (the maximum now and then); positive for the customer's first
 *   order, negative for its second, so the two never pass 1E+126 together.
 * @param order the order's position among the customer's orders (0 or 1).
 */
export function orderTotalText(random: () => number, totalClass: TotalClass, order: number): string {
  const sign = random() < 0.3 ? '-' : '';
  const pick = random();
  switch (totalClass) {
    case 'decimal38':
      if (pick < 0.2) return `${sign}${Math.round(random() * 50_000) / 100}`;
      if (pick < 0.3) return `${sign}1.0000000000000001`;
      return `${sign}${digits(random, 9, '1234')}.${digits(random, 28, '0123456789')}${digits(random, 1)}`;
    case 'tiny':
      return `${sign}${pick < 0.2 ? '1' : coefficient(random)}E-130`;
    case 'huge': {
      const mantissa = pick < 0.2 ? '9'.repeat(38) : digits(random, 38);
      return `${order === 0 ? '' : '-'}${mantissa[0]}.${mantissa.slice(1)}E+125`;
    }
  }
}
