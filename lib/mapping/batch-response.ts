/** How Lambda reads a function's answer to a stream batch. */
export type BatchOutcome =
  | { kind: 'ok' }
  /** Index in the batch of the record with the lowest reported sequence number. */
  | { kind: 'partial'; index: number; sequenceNumber: string }
  /** The response breaks the ReportBatchItemFailures contract: the whole batch failed. */
  | { kind: 'malformed'; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Interprets a successful invocation's response. Without ReportBatchItemFailures Lambda ignores the
 * response. With it: an absent, null or empty `batchItemFailures` is success; a missing, null or empty
 * `itemIdentifier`, a wrong key name or an unknown sequence number fails the whole batch; otherwise Lambda
 * checkpoints before the lowest reported sequence number. In a tumbling window, a response without
 * `state` fails the whole batch, with or without ReportBatchItemFailures.
 */
export function interpretBatchResponse(
  response: unknown,
  sequenceNumbers: readonly string[],
  reportBatchItemFailures: boolean,
  tumblingWindow = false,
): BatchOutcome {
  // In a tumbling window the state is the answer: Lambda fails and retries an invocation that returns none.
  if (tumblingWindow && (!isObject(response) || response.state === undefined)) {
    return { kind: 'malformed', reason: 'a tumbling-window response must hold state (return { state })' };
  }
  if (!reportBatchItemFailures || !isObject(response)) return { kind: 'ok' };
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'ok' };
  if (!Array.isArray(failures)) return { kind: 'malformed', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'ok' };
  let lowest: { index: number; sequenceNumber: string; value: bigint } | undefined;
  for (const [position, failure] of failures.entries()) {
    if (!isObject(failure) || !('itemIdentifier' in failure)) {
      return {
        kind: 'malformed',
        reason:
          `batchItemFailures[${position}] has no itemIdentifier ` +
          `(keys: ${isObject(failure) ? Object.keys(failure).join(', ') || 'none' : JSON.stringify(failure)})`,
      };
    }
    const id = failure.itemIdentifier;
    if (typeof id !== 'string' || id === '')
      return { kind: 'malformed', reason: `batchItemFailures[${position}].itemIdentifier is ${JSON.stringify(id)}, not a sequence number` };
    const index = sequenceNumbers.indexOf(id);
    if (index < 0)
      return { kind: 'malformed', reason: `batchItemFailures[${position}].itemIdentifier ${id} is not a sequence number of this batch` };
    // Sequence numbers are compared as integers: as text "9" sorts after "10".
    const value = BigInt(id);
    if (!lowest || value < lowest.value) lowest = { index, sequenceNumber: id, value };
  }
  return { kind: 'partial', index: lowest!.index, sequenceNumber: lowest!.sequenceNumber };
}
