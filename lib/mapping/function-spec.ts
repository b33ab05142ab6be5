import { InvalidSettingError } from './errors.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../runtime/errors.js';
import { resourceNameOfArn, roleNameOfArn } from '../runtime/arn.js';
import { declaredEnvironment } from './function-environment.js';
import { projectRoot } from './project-paths.js';
import type { CloudFormationResource, ServerlessConfig } from './serverless-config.js';
import { SERVERLESS_DEFAULTS } from './serverless-defaults.js';
import { parseStreamEvent, type OnFailureDestinationType, type StreamMappingSettings, type StreamTable } from './settings.js';
import { CommandUsageError } from './errors.js';

/** The extensions a handler's source may have, in the order serverless-esbuild tries them. */
export const HANDLER_EXTENSIONS = ['.ts', '.js', '.mts', '.mjs', '.cts', '.cjs'] as const;

/** A function's `handler` (`functions/books-stream.handler`), split and found on disk. */
export interface FunctionHandler {
  /** As serverless.yml writes it. */
  text: string;
  /** The module path relative to the project, without extension (`functions/books-stream`). */
  module: string;
  /** The export Lambda calls (`handler`). */
  export: string;
  /** The source file relative to the project (`functions/books-stream.ts`); undefined when no file has one of HANDLER_EXTENSIONS. */
  file: string | undefined;
}

/** The role a function assumes, as serverless.yml declares it. */
export type FunctionRoleSpec =
  /** An AWS::IAM::Role of resources, named by the function's or the provider's `role`. */
  | { kind: 'resource'; logicalId: string; from: 'function' | 'provider' }
  /** Serverless's default role: provider.iam.role.statements (or provider.iamRoleStatements), which Serverless extends. */
  | { kind: 'default'; name: string; statements: unknown; statementsPath: string; managedPolicies: unknown[] }
  /** A role defined outside serverless.yml: it cannot be read locally. */
  | { kind: 'external'; declared: unknown };

/** An on-failure destination: its ARN or logical id, its kind, and its queue, topic or bucket name when known. */
export interface OnFailureSpec {
  target: string;
  type: OnFailureDestinationType | undefined;
  name: string | undefined;
}

/** Everything serverless.yml says about one function, read once. */
export interface FunctionSpec {
  /** The function's key under `functions` (`booksStream`). */
  key: string;
  /** The name it is deployed under: `<service>-<stage>-<key>`, or its own `name`. */
  deployedName: string;
  handler: FunctionHandler;
  runtime: string;
  timeoutSeconds: number;
  memorySizeMb: number;
  /** provider.environment, then the function's own, as strings. */
  environment: Record<string, string>;
  role: FunctionRoleSpec;
  /** The settings of each DynamoDB stream event, in the order they are declared. */
  streamMappings: StreamMappingSettings[];
  /** The table whose stream the first stream event reads; undefined without a stream event. */
  sourceTable: StreamTable | undefined;
  /** The first stream event's on-failure destination. */
  onFailure: OnFailureSpec | undefined;
  /** The function as serverless.yml writes it (resolved), for comparing two readings. */
  definition: Record<string, unknown>;
}

export interface ReadFunctionSpecsOptions {
  /** Where handler paths start; default the project root. */
  projectDir?: string;
}

type SpecConfig = Pick<ServerlessConfig, 'service' | 'stage' | 'region' | 'provider' | 'functions' | 'resources'>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Finds a handler's source file: the module path with the first of HANDLER_EXTENSIONS that exists. */
export function findHandlerFile(projectDir: string, module: string): string | undefined {
  const extension = HANDLER_EXTENSIONS.find((ext) => existsSync(join(projectDir, module + ext)));
  return extension === undefined ? undefined : module + extension;
}

function functionHandler(key: string, fn: Record<string, unknown>, projectDir: string): FunctionHandler {
  const text = fn.handler;
  const dot = typeof text === 'string' ? text.lastIndexOf('.') : -1;
  if (typeof text !== 'string' || dot <= 0 || dot === text.length - 1 || text.slice(dot).includes('/')) {
    throw new ConfigurationError(`serverless.yml: functions.${key}.handler must look like path/file.export (got ${JSON.stringify(text)})`);
  }
  const module = text.slice(0, dot);
  return { text, module, export: text.slice(dot + 1), file: findHandlerFile(projectDir, module) };
}

/** The logical id of a role given as a logical id, `!GetAtt X.Arn`, `Ref`, or the ARN of a role defined in resources. */
export function roleLogicalId(role: unknown, resources: Record<string, CloudFormationResource>): string | undefined {
  if (typeof role === 'string') {
    if (resources[role]?.Type === 'AWS::IAM::Role') return role;
    const name = roleNameOfArn(role);
    return Object.entries(resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName === name)?.[0];
  }
  if (!isRecord(role)) return undefined;
  const getAtt = role['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  if (typeof role.Ref === 'string') return role.Ref;
  return undefined;
}

function functionRole(config: SpecConfig, fn: Record<string, unknown>): FunctionRoleSpec {
  const iam = isRecord(config.provider.iam) ? config.provider.iam : {};
  // provider.iam.role is either the default role's settings (an object of statements) or a role of its own.
  const providerRole =
    typeof iam.role === 'string' || (isRecord(iam.role) && ('Fn::GetAtt' in iam.role || 'Ref' in iam.role))
      ? iam.role
      : config.provider.role;
  const declared = fn.role ?? providerRole;
  if (declared === undefined) {
    const role = isRecord(iam.role) ? iam.role : {};
    return {
      kind: 'default',
      name: typeof role.name === 'string' && role.name ? role.name : `${config.service}-${config.stage}-${config.region}-lambdaRole`,
      statements: role.statements ?? config.provider.iamRoleStatements ?? [],
      statementsPath: role.statements !== undefined ? 'provider.iam.role.statements' : 'provider.iamRoleStatements',
      managedPolicies: Array.isArray(role.managedPolicies) ? role.managedPolicies : [],
    };
  }
  const logicalId = roleLogicalId(declared, config.resources);
  if (!logicalId || config.resources[logicalId]?.Type !== 'AWS::IAM::Role') return { kind: 'external', declared };
  return { kind: 'resource', logicalId, from: fn.role !== undefined ? 'function' : 'provider' };
}

const NAME_PROPERTY: Record<OnFailureDestinationType, string> = { sqs: 'QueueName', sns: 'TopicName', s3: 'BucketName' };

function onFailureSpec(settings: StreamMappingSettings | undefined, resources: SpecConfig['resources']): OnFailureSpec | undefined {
  const target = settings?.onFailureDestination;
  if (!target) return undefined;
  const type = settings.onFailureDestinationType;
  const property = type ? resources[target]?.Properties?.[NAME_PROPERTY[type]] : undefined;
  const name = target.startsWith('arn:') ? resourceNameOfArn(target) : typeof property === 'string' && property ? property : undefined;
  return { target, type, name };
}

function positiveNumber(key: string, setting: string, value: unknown, check: (n: number) => boolean, allowed: string): number {
  if (typeof value !== 'number' || !check(value)) {
    throw new InvalidSettingError(key, setting, `function "${key}": ${setting} must be ${allowed}, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** Reads one function of serverless.yml: see {@link FunctionSpec}. Throws ConfigurationError naming the setting. */
function readFunctionSpec(config: SpecConfig, key: string, fn: Record<string, unknown>, projectDir: string): FunctionSpec {
  const deployedName = typeof fn.name === 'string' && fn.name ? fn.name : `${config.service}-${config.stage}-${key}`;
  const timeoutSeconds = positiveNumber(
    key,
    'timeout',
    fn.timeout ?? config.provider.timeout ?? SERVERLESS_DEFAULTS.timeoutSeconds,
    (n) => n > 0 && n <= 900,
    '1 to 900 seconds',
  );
  const streams = (Array.isArray(fn.events) ? fn.events : [])
    .map((event) => parseStreamEvent(key, fn, event, config.resources, { timeoutSeconds }))
    .filter((parsed) => parsed !== undefined);
  const streamMappings = streams.map(({ settings }) => ({ ...settings, deployedName }));
  return {
    key,
    deployedName,
    handler: functionHandler(key, fn, projectDir),
    runtime: String(fn.runtime ?? config.provider.runtime ?? SERVERLESS_DEFAULTS.runtime),
    timeoutSeconds,
    memorySizeMb: Number(fn.memorySize ?? config.provider.memorySize ?? SERVERLESS_DEFAULTS.memorySizeMb),
    environment: declaredEnvironment(config.provider, fn),
    role: functionRole(config, fn),
    streamMappings,
    sourceTable: streams[0]?.table,
    onFailure: onFailureSpec(streamMappings[0], config.resources),
    definition: fn,
  };
}

/**
 * Every function of serverless.yml, in declaration order, read and validated once.
 * Throws ConfigurationError (InvalidSettingError for a setting) naming the function and the setting.
 */
export function readFunctionSpecs(config: SpecConfig, options: ReadFunctionSpecsOptions = {}): FunctionSpec[] {
  const projectDir = options.projectDir ?? projectRoot;
  return Object.entries(config.functions).map(([key, fn]) => readFunctionSpec(config, key, fn, projectDir));
}

export interface FunctionSpecOptions extends ReadFunctionSpecsOptions {
  /** Only functions with a DynamoDB stream event qualify (and are listed when the name is unknown). */
  withStreamEvent?: boolean;
}

/**
 * One function of serverless.yml by its key (`booksStream`) or the key in kebab case (`books-stream`).
 * Throws CommandUsageError listing the known functions when there is none (a tool's command named it),
 * ConfigurationError for an invalid function or, with `withStreamEvent`, one without a stream event.
 */
export function functionSpec(config: SpecConfig, key: string, options: FunctionSpecOptions = {}): FunctionSpec {
  const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  const projectDir = options.projectDir ?? projectRoot;
  const found = Object.hasOwn(config.functions, key) ? key : Object.keys(config.functions).find((name) => kebab(name) === key);
  if (found === undefined) {
    const known = options.withStreamEvent
      ? readFunctionSpecs(config, { projectDir })
          .filter((spec) => spec.streamMappings.length > 0)
          .map((spec) => spec.key)
      : Object.keys(config.functions);
    const which = options.withStreamEvent ? 'functions with a stream event' : 'the functions are';
    throw new CommandUsageError(`serverless.yml has no function "${key}"; ${which}: ${known.join(', ') || '(none)'}`);
  }
  const spec = readFunctionSpec(config, found, config.functions[found]!, projectDir);
  if (options.withStreamEvent && spec.streamMappings.length === 0) {
    throw new ConfigurationError(`function "${found}" has no DynamoDB stream event in serverless.yml`);
  }
  return spec;
}

/** The handler's source file, or a ConfigurationError saying which file is missing. */
export function handlerFileOf(spec: Pick<FunctionSpec, 'key' | 'handler'>): string {
  if (spec.handler.file === undefined) {
    throw new ConfigurationError(
      `serverless.yml: functions.${spec.key}.handler is ${spec.handler.text}, ` +
        `but ${spec.handler.module}.ts (or ${HANDLER_EXTENSIONS.slice(1).join(', ')}) does not exist`,
    );
  }
  return spec.handler.file;
}
