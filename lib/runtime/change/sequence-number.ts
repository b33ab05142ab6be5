/** DynamoDB stream sequence numbers are 21 to 40 digits; padding makes their text order their numeric order. */
const WIDTH = 40;

const GRAMMAR = /^[0-9]{21,40}$/;

/**
 * True for a sequence number a DynamoDB stream can assign: 21 to 40 decimal digits, nothing else.
 * Leading zeros are legal (DynamoDB Local numbers its records `000000000000000000042`).
 */
export function isStreamSequenceNumber(text: string): boolean {
  return GRAMMAR.test(text);
}

/**
 * Pads a sequence number so that string comparison (and DynamoDB's S ordering) follows numeric order.
 * Only valid for stream sequence numbers and {@link BACKFILL_SEQUENCE_NUMBER}: other text has no numeric order.
 */
export function sortableSequenceNumber(sequenceNumber: string): string {
  return sequenceNumber.padStart(WIDTH, '0');
}

/** The sequence number that backfilled changes carry: lower than any a stream assigns. */
export const BACKFILL_SEQUENCE_NUMBER = '0';
