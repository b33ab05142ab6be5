import { generateOrdersEvent, INVOCATION_CAP_BYTES, type GeneratedEvent, type GenerateOptions } from '../generate/orders-event.js';

export interface BatchSize {
  readonly id: '100' | '1000' | '6MB';
  readonly label: string;
  readonly options: GenerateOptions;
}

/** The three batch sizes of the issue: 100 records, 1,000 records, and as many as fit in the 6 MB invocation cap. */
export const BATCH_SIZES: readonly BatchSize[] = [
  { id: '100', label: '100 records', options: { records: 100 } },
  { id: '1000', label: '1,000 records', options: { records: 1000 } },
  { id: '6MB', label: '6 MB cap', options: { maxBytes: INVOCATION_CAP_BYTES } },
];

/** A generated batch as text plus its description: the event objects are dropped here, so only the text stays alive. */
export function batchText(size: BatchSize): Omit<GeneratedEvent, 'event'> {
  const { event: _event, ...rest } = generateOrdersEvent(size.options);
  return rest;
}
