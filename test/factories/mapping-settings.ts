import type { StreamMappingSettings } from '../../lib/mapping/settings.js';

/**
 * What Serverless compiles for a stream event that names only its table (Lambda's defaults where Serverless has
 * none), written out here rather than read from lib/mapping/settings.ts, so a test of the defaults has a truth.
 */
export const SERVERLESS_STREAM_DEFAULTS: Omit<StreamMappingSettings, 'functionName' | 'tableName' | 'functionTimeoutSeconds'> = {
  enabled: true,
  batchSize: 10,
  batchWindowSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  bisectBatchOnFunctionError: false,
  parallelizationFactor: 1,
  tumblingWindowInSeconds: 0,
  reportBatchItemFailures: false,
  filterPatterns: [],
};

/** Serverless Framework's default function timeout. */
export const SERVERLESS_DEFAULT_TIMEOUT_SECONDS = 6;

/** A mapping's settings: Serverless's defaults for `tableName`, changed by `overrides`. */
export function mappingSettings(tableName: string, overrides: Partial<StreamMappingSettings> = {}): StreamMappingSettings {
  return {
    functionName: 'testFunction',
    tableName,
    ...SERVERLESS_STREAM_DEFAULTS,
    // Its own array: a test that changes one mapping's filters changes no other.
    filterPatterns: [],
    functionTimeoutSeconds: SERVERLESS_DEFAULT_TIMEOUT_SECONDS,
    ...overrides,
  };
}
