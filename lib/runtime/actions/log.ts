import type { Action } from '../dispatch/action.js';

/**
 * Logs one structured line per change: keys, event name, sequence number, table.
 * Images go to debug level only, because they may hold personal data.
 */
export function logAction(options: { name?: string } = {}): Action {
  return {
    name: options.name ?? 'log',
    handle(change, { logger }) {
      logger.info('change received', {
        action: options.name ?? 'log',
        table: change.tableName,
        eventName: change.eventName,
        keys: change.keys,
        sequenceNumber: change.sequenceNumber,
        approximateCreationDateTime: change.approximateCreationDateTime,
        ttlExpiry: change.isTtlExpiry,
      });
      if (logger.isEnabled('debug'))
        logger.debug('change images', { sequenceNumber: change.sequenceNumber, newImage: change.newImage, oldImage: change.oldImage });
    },
  };
}
