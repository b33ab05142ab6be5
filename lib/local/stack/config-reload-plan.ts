import { isDeepStrictEqual } from 'node:util';
import { declaredEnvironment } from '../../mapping/function-environment.js';
import { functionSpec } from '../../mapping/function-spec.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { tableDefinitions, type TableDefinition } from '../../mapping/table-definition.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import type { StackConfig } from './stack-config.js';
import { InvalidSettingError } from '../../mapping/errors.js';

/**
 * One applied change of a function's settings, named as serverless.yml names it. An environment change
 * lists the variable names only: their values may be secrets.
 */
export interface SettingChange {
  setting: string;
  /** Index of the stream event among the function's stream events; absent for function settings. */
  event?: number;
  from?: unknown;
  to?: unknown;
  variables?: string[];
}

/** A function whose new settings the running stack applies by restarting its mappings from their checkpoints. */
export interface FunctionReload {
  functionName: string;
  changes: SettingChange[];
  /** Every stream event's settings as serverless.yml now has them. */
  mappings: StreamMappingSettings[];
  /** Timeout, memory, environment or runtime changed: the function's execution environments are replaced. */
  runnerChanged: boolean;
}

/** Something serverless.yml now says that a running stack cannot apply, and what to run for it. */
export interface RestartNeed {
  subject: string;
  reason: string;
  remedy: string;
}

/** What to do with a changed serverless.yml. */
export type ConfigReloadPlan =
  | { kind: 'unchanged' }
  | { kind: 'invalid'; error: Error; functionName?: string; setting?: string }
  | { kind: 'changes'; reload: FunctionReload[]; restart: RestartNeed[] };

export interface ConfigReloadPlanOptions {
  /** The functions whose mappings the stack runs (others are not its business). */
  running: readonly string[];
  /** `npm start -- --recreate <table>` with the stage option. */
  recreateCommand(tableName: string): string;
  /** How to restart the stack (`stop npm start and run it again`). */
  restartCommand: string;
}

// Stream settings applied by restarting the mapping: serverless.yml name -> field.
const MAPPING_SETTINGS: [string, keyof StreamMappingSettings][] = [
  ['enabled', 'enabled'],
  ['batchSize', 'batchSize'],
  ['batchWindow', 'batchWindowSeconds'],
  ['maximumRetryAttempts', 'maximumRetryAttempts'],
  ['maximumRecordAgeInSeconds', 'maximumRecordAgeInSeconds'],
  ['bisectBatchOnFunctionError', 'bisectBatchOnFunctionError'],
  ['parallelizationFactor', 'parallelizationFactor'],
  ['tumblingWindowInSeconds', 'tumblingWindowInSeconds'],
  ['functionResponseType', 'reportBatchItemFailures'],
  ['filterPatterns', 'filterPatterns'],
];

/** The settings of a function's execution environment, as the stack runs it. */
export interface RunnerSettings {
  timeout: number;
  memorySize: number;
  runtime: string;
  environment: Record<string, string>;
}

/** Timeout, memory, runtime and declared environment of a function, with the provider's defaults. */
export function runnerSettings(config: Pick<StackConfig, 'provider'>, fn: Record<string, unknown>): RunnerSettings {
  return {
    timeout: Number(fn.timeout ?? config.provider.timeout ?? SERVERLESS_DEFAULTS.timeoutSeconds),
    memorySize: Number(fn.memorySize ?? config.provider.memorySize ?? SERVERLESS_DEFAULTS.memorySizeMb),
    runtime: String(fn.runtime ?? config.provider.runtime ?? SERVERLESS_DEFAULTS.runtime),
    environment: declaredEnvironment(config.provider, fn),
  };
}

const IAM_TYPE = /^AWS::IAM::/;
const iamPart = (config: StackConfig): unknown => ({
  iam: config.provider.iam,
  iamRoleStatements: config.provider.iamRoleStatements,
  role: config.provider.role,
  roles: Object.entries(config.resources).filter(([, resource]) => IAM_TYPE.test(resource.Type)),
});

const tablesByName = (tables: TableDefinition[]): Map<string, TableDefinition> => new Map(tables.map((t) => [t.create.TableName!, t]));

/**
 * Compares two readings of serverless.yml and decides, function by function, what a running stack applies
 * (mapping settings, timeout, memory, environment, runtime: restart of that function's mappings from their
 * checkpoints) and what needs a restart of the stack (tables, functions, handlers, roles, stream events added
 * or moved, starting position, on-failure destination). A reading that does not validate changes nothing.
 */
export function planConfigReload(before: StackConfig, after: StackConfig, options: ConfigReloadPlanOptions): ConfigReloadPlan {
  const running = options.running.filter((name) => before.functions[name]);
  const afterSettings = new Map<string, StreamMappingSettings[]>();
  let afterTables: TableDefinition[];
  try {
    afterTables = tableDefinitions(after.resources);
    for (const functionName of Object.keys(after.functions)) {
      afterSettings.set(functionName, functionSpec(after, functionName).streamMappings);
      const runner = runnerSettings(after, after.functions[functionName]!);
      if (!Number.isInteger(runner.memorySize) || runner.memorySize < 128 || runner.memorySize > 10_240) {
        const given = JSON.stringify(after.functions[functionName]!.memorySize ?? after.provider.memorySize);
        const problem = `memorySize must be a whole number of MB from 128 to 10240, not ${given}`;
        throw new InvalidSettingError(functionName, 'memorySize', `function "${functionName}": ${problem}`);
      }
    }
  } catch (error) {
    const fields = error instanceof InvalidSettingError ? { functionName: error.functionName, setting: error.setting } : {};
    return { kind: 'invalid', error: error instanceof Error ? error : new Error(String(error)), ...fields };
  }

  const restart: RestartNeed[] = [];
  const reload: FunctionReload[] = [];
  const needs = (subject: string, reason: string, remedy = options.restartCommand) => restart.push({ subject, reason, remedy });

  const beforeTables = tablesByName(tableDefinitions(before.resources));
  const nowTables = tablesByName(afterTables);
  for (const [name, table] of nowTables) {
    const old = beforeTables.get(name);
    if (!old) needs(`table ${name}`, 'is new in serverless.yml');
    else if (!isDeepStrictEqual(old, table)) needs(`table ${name}`, 'changed its definition', options.recreateCommand(name));
  }
  for (const name of beforeTables.keys()) if (!nowTables.has(name)) needs(`table ${name}`, 'was removed from serverless.yml');
  if (!isDeepStrictEqual(iamPart(before), iamPart(after))) needs('IAM roles', 'changed; local IAM checks the roles read at start');

  for (const functionName of Object.keys(after.functions)) {
    if (!before.functions[functionName] && (afterSettings.get(functionName) ?? []).length > 0) needs(`function ${functionName}`, 'is new');
  }
  for (const functionName of running) {
    const fn = after.functions[functionName];
    if (!fn) {
      needs(`function ${functionName}`, 'was removed');
      continue;
    }
    const old = before.functions[functionName]!;
    for (const key of ['handler', 'name', 'role'] as const) {
      if (!isDeepStrictEqual(old[key], fn[key])) needs(`function ${functionName}`, `changed its ${key}`);
    }
    const oldMappings = functionSpec(before, functionName).streamMappings;
    const newMappings = afterSettings.get(functionName) ?? [];
    if (oldMappings.length !== newMappings.length || oldMappings.some((m, i) => m.tableName !== newMappings[i]!.tableName)) {
      needs(`function ${functionName}`, 'has stream events added, removed or pointed at another table');
      continue;
    }
    const changes: SettingChange[] = [];
    oldMappings.forEach((oldSettings, event) => {
      const newSettings = newMappings[event]!;
      if (oldSettings.startingPosition !== newSettings.startingPosition) {
        needs(
          `function ${functionName}, stream event ${event}`,
          `changed startingPosition to ${newSettings.startingPosition}, which applies only to a mapping without a checkpoint`,
          `${options.restartCommand} after deleting its checkpoints under .local/checkpoints/ (records may be delivered again or skipped)`,
        );
      }
      const destination = (s: StreamMappingSettings) => [s.onFailureDestination, s.onFailureDestinationType];
      if (!isDeepStrictEqual(destination(oldSettings), destination(newSettings))) {
        needs(`function ${functionName}, stream event ${event}`, 'changed its on-failure destination (permissions are checked at start)');
      }
      for (const [setting, field] of MAPPING_SETTINGS) {
        const [from, to] = [oldSettings[field], newSettings[field]];
        if (!isDeepStrictEqual(from, to)) changes.push({ setting, event, from, to });
      }
    });
    const oldRunner = runnerSettings(before, old);
    const newRunner = runnerSettings(after, fn);
    for (const setting of ['timeout', 'memorySize', 'runtime'] as const) {
      if (oldRunner[setting] !== newRunner[setting]) changes.push({ setting, from: oldRunner[setting], to: newRunner[setting] });
    }
    const variables = [...new Set([...Object.keys(oldRunner.environment), ...Object.keys(newRunner.environment)])]
      .filter((name) => oldRunner.environment[name] !== newRunner.environment[name])
      .sort();
    if (variables.length > 0) changes.push({ setting: 'environment', variables });
    if (changes.length > 0) {
      const runnerChanged = changes.some((change) => change.event === undefined);
      reload.push({ functionName, changes, mappings: newMappings, runnerChanged });
    }
  }
  if (reload.length === 0 && restart.length === 0) return { kind: 'unchanged' };
  return { kind: 'changes', reload, restart };
}
