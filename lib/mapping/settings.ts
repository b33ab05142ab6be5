import { parseStreamArn, serviceOfArn } from '../runtime/arn.js';
import { compileFilterPatterns } from './filter-patterns.js';
import { SERVERLESS_DEFAULTS } from './serverless-defaults.js';
import { InvalidSettingError } from './errors.js';

/** The settings of one local DynamoDB event-source mapping, as AWS Lambda names and bounds them. */
export interface StreamMappingSettings {
  /** The function's key in serverless.yml. */
  functionName: string;
  /** The name the function is deployed under (`<service>-<stage>-<key>`, or its `name`), for its ARN in on-failure payloads. */
  deployedName?: string;
  tableName: string;
  /** Resolved at start from DescribeTable's LatestStreamArn when absent. */
  streamArn?: string;
  enabled: boolean;
  batchSize: number;
  batchWindowSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** -1 = until the record expires. */
  maximumRetryAttempts: number;
  /** -1 = unlimited (records live 24 h). */
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  parallelizationFactor: number;
  tumblingWindowInSeconds: number;
  reportBatchItemFailures: boolean;
  filterPatterns: unknown[];
  /** ARN or logical id of `destinations.onFailure`, for the dead-letter payload and labelling. */
  onFailureDestination?: string;
  /** What kind of destination it is; an S3 one also receives the batch's records. */
  onFailureDestinationType?: OnFailureDestinationType;
  functionTimeoutSeconds: number;
}

/** The on-failure destinations AWS supports for stream mappings. */
export type OnFailureDestinationType = 'sqs' | 'sns' | 's3';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The table a stream event reads: its logical id in resources and its TableName. */
export interface StreamTable {
  logicalId: string;
  tableName: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates and converts one `stream` event of a function, as Serverless resolved it (`arn` is
 * `{'Fn::GetAtt': [logicalId, 'StreamArn']}` or an ARN string), against the CloudFormation resources.
 * Returns undefined when the event is not a DynamoDB stream event. Throws InvalidSettingError (a ConfigurationError) naming
 * the function and the setting.
 */
export function settingsFromStreamEvent(
  functionName: string,
  fn: Record<string, unknown>,
  event: unknown,
  resources: Resources,
  defaults: { timeoutSeconds?: number } = {},
): StreamMappingSettings | undefined {
  return parseStreamEvent(functionName, fn, event, resources, defaults)?.settings;
}

/** {@link settingsFromStreamEvent}, with the table the event reads. */
export function parseStreamEvent(
  functionName: string,
  fn: Record<string, unknown>,
  event: unknown,
  resources: Resources,
  defaults: { timeoutSeconds?: number } = {},
): { settings: StreamMappingSettings; table: StreamTable } | undefined {
  if (!isRecord(event) || !('stream' in event)) return undefined;
  const where = `function "${functionName}", stream event`;
  const fail = (setting: string, problem: string): never => {
    const path = `serverless.yml functions.${functionName}.events[].stream.${setting}`;
    throw new InvalidSettingError(functionName, setting, `${where}: ${setting} ${problem} (${path})`);
  };

  const raw = event.stream;
  const stream: Record<string, unknown> =
    typeof raw === 'string' ? { arn: raw } : isRecord(raw) ? raw : fail('stream', 'must be an ARN or an object with arn');
  const arn = stream.arn;
  if (arn === undefined) fail('arn', 'is missing');
  const type = stream.type;
  if (type !== undefined && type !== 'dynamodb' && type !== 'kinesis')
    fail('type', `must be dynamodb or kinesis, not ${JSON.stringify(type)}`);
  if (type === 'kinesis') return undefined;
  if (typeof arn === 'string') {
    if (serviceOfArn(arn) === 'kinesis') return undefined;
    if (serviceOfArn(arn) !== 'dynamodb') fail('arn', `"${arn}" is not a DynamoDB stream ARN`);
  } else if (type !== 'dynamodb') {
    // Serverless needs `type` to tell a DynamoDB stream from a Kinesis one when arn is not a literal.
    fail('type', 'must be "dynamodb" when arn is not an ARN string');
  }

  const table = resolveTable(arn, resources, fail);
  const { tableName } = table;

  const integer = (name: string, value: unknown, fallback: number, min: number, max: number, extra?: number): number => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) return fail(name, `must be an integer, not ${JSON.stringify(value)}`);
    if (value === extra) return value;
    if (value < min || value > max) {
      return fail(name, `is ${value}; allowed: ${extra !== undefined ? `${extra} or ` : ''}${min} to ${max}`);
    }
    return value;
  };
  const boolean = (name: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') return fail(name, `must be true or false, not ${JSON.stringify(value)}`);
    return value;
  };

  const startingPosition = stream.startingPosition ?? 'TRIM_HORIZON';
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
    fail('startingPosition', `must be TRIM_HORIZON or LATEST for a DynamoDB stream, not ${JSON.stringify(startingPosition)}`);
  }

  const responseType = stream.functionResponseType;
  if (responseType !== undefined && responseType !== 'ReportBatchItemFailures') {
    fail('functionResponseType', `must be ReportBatchItemFailures, not ${JSON.stringify(responseType)}`);
  }

  const filterPatterns = stream.filterPatterns ?? [];
  if (!Array.isArray(filterPatterns)) fail('filterPatterns', 'must be a list of patterns');
  const patterns = (filterPatterns as unknown[]).map((pattern) =>
    typeof pattern === 'string' ? parseJsonPattern(pattern, fail) : pattern,
  );
  if (patterns.length > 5) fail('filterPatterns', `has ${patterns.length} patterns; Lambda allows at most 5 per event-source mapping`);
  try {
    compileFilterPatterns(patterns);
  } catch (error) {
    fail('filterPatterns', (error as Error).message);
  }

  const timeout = fn.timeout ?? defaults.timeoutSeconds ?? SERVERLESS_DEFAULTS.timeoutSeconds;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 900) {
    const problem = `timeout must be 1 to 900 seconds, not ${JSON.stringify(timeout)}`;
    throw new InvalidSettingError(functionName, 'timeout', `function "${functionName}": ${problem}`);
  }

  const settings: StreamMappingSettings = {
    functionName,
    tableName,
    enabled: boolean('enabled', stream.enabled, true),
    // Serverless compiles a default of 10 (Lambda's own default is 100).
    batchSize: integer('batchSize', stream.batchSize, 10, 1, 10_000),
    batchWindowSeconds: integer('batchWindow', stream.batchWindow, 0, 0, 300),
    startingPosition: startingPosition as 'TRIM_HORIZON' | 'LATEST',
    maximumRetryAttempts: integer('maximumRetryAttempts', stream.maximumRetryAttempts, -1, 0, 10_000, -1),
    maximumRecordAgeInSeconds: integer('maximumRecordAgeInSeconds', stream.maximumRecordAgeInSeconds, -1, 60, 604_800, -1),
    bisectBatchOnFunctionError: boolean('bisectBatchOnFunctionError', stream.bisectBatchOnFunctionError, false),
    parallelizationFactor: integer('parallelizationFactor', stream.parallelizationFactor, 1, 1, 10),
    tumblingWindowInSeconds: integer('tumblingWindowInSeconds', stream.tumblingWindowInSeconds, 0, 0, 900),
    reportBatchItemFailures: responseType === 'ReportBatchItemFailures',
    filterPatterns: patterns,
    functionTimeoutSeconds: timeout,
  };
  const destination = onFailureDestination(stream.destinations, resources, fail);
  if (destination) {
    settings.onFailureDestination = destination.target;
    if (destination.type) settings.onFailureDestinationType = destination.type;
  }
  return { settings, table };
}

function parseJsonPattern(text: string, fail: (setting: string, problem: string) => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail('filterPatterns', `holds a string that is not JSON: ${text}`);
  }
}

/** The table behind a stream ARN or a `Fn::GetAtt [Table, StreamArn]`. */
function resolveTable(arn: unknown, resources: Resources, fail: (setting: string, problem: string) => never): StreamTable {
  if (typeof arn === 'string') {
    const tableName = parseStreamArn(arn)?.tableName;
    if (tableName === undefined)
      return fail('arn', `"${arn}" is not a DynamoDB stream ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL)`);
    const entry = Object.entries(resources).find(([, r]) => r.Type === 'AWS::DynamoDB::Table' && r.Properties?.TableName === tableName);
    if (!entry)
      return fail(
        'arn',
        `names table "${tableName}", which is not an AWS::DynamoDB::Table in resources; define it there so the local stack creates it`,
      );
    requireStream(entry[0], entry[1], fail);
    // A literal ARN from AWS names a stream label DynamoDB Local never has: resolve the local stream at start.
    return { logicalId: entry[0], tableName };
  }
  const getAtt = isRecord(arn) ? arn['Fn::GetAtt'] : undefined;
  const parts = typeof getAtt === 'string' ? getAtt.split('.') : Array.isArray(getAtt) ? getAtt : undefined;
  if (parts?.length !== 2 || typeof parts[0] !== 'string') {
    return fail('arn', `must be a stream ARN or !GetAtt <Table>.StreamArn, not ${JSON.stringify(arn)}`);
  }
  const [logicalId, attribute] = parts as [string, unknown];
  if (attribute !== 'StreamArn')
    return fail('arn', `uses !GetAtt ${logicalId}.${String(attribute)}; a stream event needs !GetAtt ${logicalId}.StreamArn`);
  const resource = resources[logicalId];
  if (!resource) return fail('arn', `refers to "${logicalId}", which is not in resources.Resources`);
  if (resource.Type !== 'AWS::DynamoDB::Table')
    return fail('arn', `refers to "${logicalId}", a ${resource.Type}, not an AWS::DynamoDB::Table`);
  requireStream(logicalId, resource, fail);
  const tableName = resource.Properties?.TableName;
  if (typeof tableName !== 'string' || !tableName) return fail('arn', `refers to "${logicalId}", which has no literal TableName`);
  return { logicalId, tableName };
}

function requireStream(
  logicalId: string,
  resource: { Properties?: Record<string, unknown> },
  fail: (setting: string, problem: string) => never,
): void {
  const spec = resource.Properties?.StreamSpecification;
  if (!isRecord(spec) || typeof spec.StreamViewType !== 'string') {
    fail(
      'arn',
      `refers to table "${logicalId}", which has no StreamSpecification.StreamViewType; ` +
        `add one (for example NEW_AND_OLD_IMAGES) to get a stream`,
    );
  }
}

const DESTINATION_TYPES: readonly string[] = ['sqs', 'sns', 's3'];
const RESOURCE_DESTINATION_TYPES: Record<string, OnFailureDestinationType> = {
  'AWS::SQS::Queue': 'sqs',
  'AWS::SNS::Topic': 'sns',
  'AWS::S3::Bucket': 's3',
};

/** The destination kind an ARN names (`arn:aws:s3:::bucket`, `arn:aws:sqs:...`). */
const typeOfArn = (arn: string): OnFailureDestinationType | undefined => {
  const service = serviceOfArn(arn);
  return service && DESTINATION_TYPES.includes(service) ? (service as OnFailureDestinationType) : undefined;
};

function onFailureDestination(
  destinations: unknown,
  resources: Resources,
  fail: (setting: string, problem: string) => never,
): { target: string; type: OnFailureDestinationType | undefined } | undefined {
  if (destinations === undefined || destinations === null) return undefined;
  if (!isRecord(destinations)) return fail('destinations', 'must be an object with onFailure');
  const onFailure = destinations.onFailure;
  if (onFailure === undefined) return undefined;
  const target = isRecord(onFailure) ? onFailure.arn : onFailure;
  const declared = isRecord(onFailure) ? onFailure.type : undefined;
  if (declared !== undefined && (typeof declared !== 'string' || !DESTINATION_TYPES.includes(declared))) {
    fail('destinations.onFailure.type', `must be sqs, sns or s3, not ${JSON.stringify(declared)}`);
  }
  let resolved: string | undefined;
  if (typeof target === 'string') resolved = target;
  else if (isRecord(target)) {
    const getAtt = target['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') resolved = getAtt[0];
    else if (typeof getAtt === 'string') resolved = getAtt.split('.')[0];
    else if (typeof target.Ref === 'string') resolved = target.Ref;
  }
  if (!resolved)
    return fail('destinations.onFailure', `must be an SQS/SNS/S3 ARN or !GetAtt <Resource>.Arn, not ${JSON.stringify(onFailure)}`);
  const inferred = resolved.startsWith('arn:') ? typeOfArn(resolved) : RESOURCE_DESTINATION_TYPES[resources[resolved]?.Type ?? ''];
  if (resolved.startsWith('arn:') && !inferred)
    fail('destinations.onFailure', `"${resolved}" is not an SQS queue, SNS topic or S3 bucket ARN`);
  const type = (declared as OnFailureDestinationType | undefined) ?? inferred;
  if (declared !== undefined && inferred !== undefined && declared !== inferred) {
    fail('destinations.onFailure.type', `is ${declared}, but ${resolved} is an ${inferred} destination`);
  }
  return { target: resolved, type };
}
