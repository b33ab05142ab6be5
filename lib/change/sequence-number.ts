/** DynamoDB stream sequence numbers are 21 to 40 digits; padding makes their text order their numeric order. */
const WIDTH = 40;

/** Pads a sequence number so that string comparison (and DynamoDB's S ordering) follows numeric order. */
export function sortableSequenceNumber(sequenceNumber: string): string {
  return sequenceNumber.padStart(WIDTH, '0');
}

/** The sequence number that backfilled changes carry: lower than any a stream assigns. */
export const BACKFILL_SEQUENCE_NUMBER = '0';
