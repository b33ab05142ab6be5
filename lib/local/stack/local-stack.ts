import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createDynamoDBStreamsClient } from '../../mapping/streams-client.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { answersDynamoDB, startDynamoDBLocal, type DynamoDBLocal } from '../dynamodb-local/dynamodb-local.js';
import { ConfigurationError } from '../../runtime/errors.js';
import { createLogger, type Logger } from '../../runtime/logging/logger.js';
import { ensureTables } from '../../data/ensure-table.js';
import { tableDefinitions, type TableDefinition } from '../../mapping/table-definition.js';
import { createEventSourceMapping, type EventSourceMapping, type EventSourceMappingOptions } from '../engine/event-source-mapping.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import { functionSpec } from '../../mapping/function-spec.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { createFileCheckpointStore, createMemoryCheckpointStore, type CheckpointStore } from '../store/checkpoint-store.js';
import { createFileDeadLetterStore, type DeadLetterStore } from '../store/dead-letter-store.js';
import { createFunctionRunner, type FunctionRunner } from '../runner/function-runner.js';
import { functionEnvironment } from '../../mapping/function-environment.js';
import { buildHandlers, esbuildOptionsFrom, handlerEntries, type HandlerBuild, type HandlerEntry } from '../runner/handler-build.js';
import { planConfigReload, type ConfigReloadPlan, type FunctionReload } from './config-reload-plan.js';
import { watchConfigFile } from './config-file-watch.js';
import { removeStackFile, writeStackFile } from './stack-file.js';
import { loadStackConfig, stackFunctionSpecs, type StackConfig } from './stack-config.js';
import { createTtlExpirer, type TtlExpirer } from './ttl-expirer.js';
import { createTtlRegistry, type TtlRegistry } from './ttl-registry.js';
import { startLocalIam, type LocalIam } from '../iam/local-iam.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import { projectPaths, projectRoot } from '../../mapping/project-paths.js';
import { createEngineEventBus, type EngineEventBus } from '../engine/engine-event-bus.js';
import type { StackCompanion, StartStackCompanion } from './stack-companion.js';

export interface LocalStackOptions {
  /** Project root (where serverless.yml is). Default: this repository. */
  projectDir?: string;
  /** Configuration as Serverless resolved it (the plugin passes it); read from serverless.yml when absent. */
  config?: StackConfig;
  /** Default `local`. */
  stage?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** DynamoDB Local's port; default 8000, 0 for a free one. */
  port?: number;
  /** Throwaway data (default false: data on disk under dataDir). */
  inMemory?: boolean;
  /** Wipe local data (tables, checkpoints, dead letters) before starting. */
  reset?: boolean;
  /**
   * Tables (their TableName) to drop and create again when they differ from serverless.yml, or
   * `all-changed`; every other table keeps its items. Without it a differing table stops the start.
   */
  recreate?: string[];
  /** When the command that started the stack began (epoch ms), so "ready in" covers all of it; default: now. */
  startedAt?: number;
  /** DynamoDB Local's data folder; default `<project>/.dynamodb`. */
  dataDir?: string;
  /** Checkpoints and dead letters; default `<project>/.local`. */
  stateDir?: string;
  /** TTL sweep interval in ms; default 1,000; 0 turns expiry off. */
  ttlIntervalMs?: number;
  /** How often DynamoDB Local is probed, in ms; default 1,000. */
  healthIntervalMs?: number;
  /** How long DynamoDB Local may take to start, in ms; default 120,000 (a JVM on a busy machine is slow). */
  startTimeoutMs?: number;
  /** How long our own DynamoDB Local may stay silent (alive, not answering) before it is restarted; default 30,000 ms. */
  hangAfterMs?: number;
  /** Engine poll interval per shard, in ms (engine default when absent: about four polls a second). */
  pollIntervalMs?: number;
  /** Enforce the functions' IAM roles on their DynamoDB calls and check their mappings' permissions; default true. */
  iam?: boolean;
  /** Rebuild handlers when files under functions/ or lib/ change; default true. */
  watch?: boolean;
  /** Only these functions get mappings (default: all). */
  functions?: string[];
  logger?: Logger;
  /** Receives each line a handler prints; default: straight to stdout. */
  handlerOutput?: (functionName: string, line: string) => void;
  /** Fails some of the handlers' DynamoDB calls in the IAM proxy, as the cloud does (the soak); needs `iam`. */
  faults?: FaultInjector;
  /** Started with the stack before its mappings, stopped with it: `npm start` runs its web console so. */
  companion?: StartStackCompanion;
}

/** One mapping as the stack runs it. */
export interface MappingInfo {
  functionName: string;
  settings: StreamMappingSettings;
}

export interface LocalStack {
  readonly endpoint: string;
  /** From `startedAt` to ready, in ms. */
  readonly readyMs: number;
  readonly port: number;
  readonly stage: string;
  readonly tables: TableDefinition[];
  readonly mappings: MappingInfo[];
  readonly deadLetterDir: string;
  readonly checkpointDir: string | undefined;
  readonly dataDir: string | undefined;
  readonly buildDir: string;
  /** DynamoDB Local's process id when this stack started it. */
  readonly dynamodbPid: number | undefined;
  readonly ttl: TtlExpirer;
  readonly ttlRegistry: TtlRegistry;
  readonly deadLetters: DeadLetterStore;
  /** Every mapping's engine events (invocations, outcomes, retries, dead letters...), for any listener. */
  readonly bus: EngineEventBus;
  /** Resolves once the stack is serving again after a DynamoDB Local outage (immediately when up). */
  whenHealthy(): Promise<void>;
  /** Waits until every mapping has caught up with its stream. */
  drain(timeoutMs?: number): Promise<void>;
  /** Human-readable summary of where everything is, with the caller's own lines (its companion's address). */
  summary(extraLines?: readonly SummaryLine[]): string;
  stop(): Promise<void>;
}

type Mapping = EventSourceMapping;

const projectRootDefault = projectRoot;

/**
 * Starts the whole local stack: DynamoDB Local (or uses one already answering at the endpoint), the
 * tables of serverless.yml, the handlers built as `sls deploy` builds them, one event-source mapping per
 * stream event, TTL expiry, and a watch on DynamoDB Local that restarts it and resumes the mappings.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const calledAt = Date.now();
  const startedAt = Math.min(options.startedAt ?? calledAt, calledAt);
  const projectDir = options.projectDir ?? projectRootDefault;
  const logger = options.logger ?? createLogger({ level: process.env.LOG_LEVEL ?? 'info', fields: { component: 'local-stack' } });
  const config = options.config ?? loadStackConfig({ projectDir, ...(options.stage ? { stage: options.stage } : {}) });
  const host = options.host ?? '127.0.0.1';
  const inMemory = options.inMemory ?? false;
  const dataDir = inMemory ? undefined : resolve(options.dataDir ?? projectPaths(projectDir).dynamodbData);
  const stateDir = resolve(options.stateDir ?? projectPaths(projectDir).localState);
  const checkpointDir = inMemory ? undefined : join(stateDir, 'checkpoints');
  const deadLetterDir = join(stateDir, 'dead-letters');

  // Everything that can be wrong in serverless.yml fails here, before a JVM or a build starts.
  const specs = stackFunctionSpecs(config, projectDir, options.functions);
  let mappings: MappingInfo[] = specs.flatMap((spec) => spec.streamMappings.map((settings) => ({ functionName: spec.key, settings })));
  const tables = tableDefinitions(config.resources);
  const entries = handlerEntries(specs);
  const recreate = recreateSet(options.recreate, tables);
  const stageOption = config.stage === 'local' ? '' : ` --stage ${config.stage}`;
  const recreateCommand = (tableName: string) => `npm start -- --recreate ${tableName}${stageOption}`;

  const ttlFile = inMemory ? undefined : join(stateDir, 'ttl-expiries.json');
  if (options.reset) {
    for (const dir of [dataDir, checkpointDir, deadLetterDir, ttlFile]) if (dir) rmSync(dir, { recursive: true, force: true });
    logger.info('local data wiped', {
      folders: [dataDir, checkpointDir, deadLetterDir].filter(Boolean).map((d) => relative(projectDir, d!)),
    });
  }

  const checkpoints: CheckpointStore = checkpointDir ? createFileCheckpointStore({ dir: checkpointDir }) : createMemoryCheckpointStore();
  const deadLetters = createFileDeadLetterStore({ dir: deadLetterDir });
  mkdirSync(stateDir, { recursive: true });
  const ttlRegistry = createTtlRegistry(ttlFile ? { file: ttlFile } : {});

  // ---- DynamoDB Local --------------------------------------------------------------------------
  // Time before this call (npm, tsx, Serverless loading its plugins) is part of what the user waited for.
  const phases: [string, number][] = calledAt - startedAt >= 50 ? [['launch', calledAt - startedAt]] : [];
  let phaseStart = calledAt;
  const phase = (name: string) => {
    const now = Date.now();
    phases.push([name, now - phaseStart]);
    phaseStart = now;
  };
  let instance: DynamoDBLocal | undefined;
  let endpoint: string;
  let port: number;
  const startOurs = async (wantedPort: number) =>
    startDynamoDBLocal({
      port: wantedPort,
      host,
      inMemory,
      startTimeoutMs: options.startTimeoutMs ?? 120_000,
      ...(dataDir ? { dbPath: dataDir } : {}),
    });
  const requestedPort = options.port ?? 8000;
  if (requestedPort !== 0 && (await answersDynamoDB(`http://${host}:${requestedPort}`, 1000))) {
    endpoint = `http://${host}:${requestedPort}`;
    port = requestedPort;
    logger.warn('using the DynamoDB Local that already answers at the endpoint; it keeps its own data settings', { endpoint });
  } else {
    instance = await startOurs(requestedPort);
    endpoint = instance.endpoint;
    port = instance.port;
  }
  const weStartedIt = instance !== undefined;
  const dynamodb: DynamoDBClient = createDynamoDBClient({ endpoint, region: config.region });
  const streams = createDynamoDBStreamsClient({ endpoint, region: config.region });

  const cleanups: (() => Promise<void>)[] = [];
  const fail = async (error: unknown): Promise<never> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await instance?.stop();
    throw error;
  };
  phase('DynamoDB Local');
  try {
    const outcomes = await ensureTables(dynamodb, tables, { recreateCommand, ...(recreate ? { recreate } : {}) });
    const recreated = [...outcomes].filter(([, outcome]) => outcome === 'recreated').map(([name]) => name);
    if (recreated.length > 0) {
      logger.info('tables recreated from serverless.yml; their items are gone, other tables kept theirs', { tables: recreated });
    }
  } catch (error) {
    return fail(error);
  }
  phase('tables');

  // ---- IAM: handlers reach DynamoDB Local through a proxy that enforces their roles ---------------
  let iam: LocalIam | undefined;
  try {
    // The proxy tells the functions' calls by their access keys: without it no call could be chosen to fail.
    if (options.faults && options.iam === false) throw new ConfigurationError('fault injection runs in the IAM proxy: leave iam on');
    const faults = options.faults ? { faults: options.faults } : {};
    if (options.iam !== false) {
      iam = await startLocalIam({
        config,
        mappings,
        target: endpoint,
        dynamodb,
        accountId: SERVERLESS_DEFAULTS.localAccountId,
        logger,
        ...faults,
      });
    }
  } catch (error) {
    return fail(error);
  }
  if (iam) cleanups.push(() => iam.stop());

  // ---- Handlers --------------------------------------------------------------------------------
  const runners = new Map<string, FunctionRunner>();
  let build: HandlerBuild;
  try {
    build = await buildHandlers({
      projectDir,
      entries,
      // One folder per stage: two stacks (a test run beside npm start) must not wipe each other's build.
      outDir: join(projectPaths(projectDir).localBuild, config.stage),
      esbuild: esbuildOptionsFrom(config.esbuild),
      logger,
      watch: options.watch === false ? [] : ['functions', 'lib'],
      onRebuild: () => {
        for (const runner of runners.values()) runner.codeChanged();
      },
    });
  } catch (error) {
    return fail(error);
  }
  cleanups.push(() => build.dispose());
  phase('build');

  // ---- Companion (the console): reads the engine's events, the handlers' lines and the stores; changes nothing in the engine ----
  const bus = createEngineEventBus();
  let companion: StackCompanion | undefined;
  if (options.companion) {
    try {
      companion = await options.companion({
        config,
        mappings,
        bus,
        deadLetters,
        checkpoints,
        dynamodb,
        streams,
        invoke: (functionName, event, invokeOptions) => runners.get(functionName)!.invoke(event, invokeOptions),
        logger,
      });
    } catch (error) {
      return fail(error);
    }
    const started = companion;
    cleanups.push(() => started.stop());
  }
  const printLine = options.handlerOutput ?? ((_name: string, line: string) => void process.stdout.write(`${line}\n`));
  const handlerOutput = (name: string, line: string) => {
    companion?.handlerLine?.(name, line);
    printLine(name, line);
  };

  const createRunner = (entry: HandlerEntry, runConfig: StackConfig): FunctionRunner => {
    const spec = functionSpec(runConfig, entry.functionName, { projectDir });
    return createFunctionRunner({
      fn: {
        name: spec.key,
        deployedName: spec.deployedName,
        handlerFile: () => build.fileOf(entry.functionName),
        exportName: entry.exportName,
        environment: functionEnvironment(spec, {
          region: config.region,
          endpoint: iam?.endpoint ?? endpoint,
          accessKeyId: iam?.accessKeyIdOf(entry.functionName),
        }),
        timeoutSeconds: spec.timeoutSeconds,
        memorySize: spec.memorySizeMb,
        // The function's own runtime: a function declared nodejs20.x runs on Node 20.
        runtime: spec.runtime,
        region: config.region,
        accountId: SERVERLESS_DEFAULTS.localAccountId,
      },
      logger,
      output: handlerOutput,
    });
  };
  for (const entry of entries) runners.set(entry.functionName, createRunner(entry, config));
  cleanups.push(async () => {
    await Promise.all([...runners.values()].map((runner) => runner.stop()));
  });

  // ---- TTL (started after the mappings; it learns the items' TTLs from the records they read) ----
  // DynamoDB Local expires items itself, 20 items scanned every 10 s per table (REMOVEs with the TTL userIdentity):
  // enough for tables no mapping reads. Where a mapping reads the stream, this expirer makes expiry prompt.
  const ttlOn = options.ttlIntervalMs !== 0;
  const ttl = createTtlExpirer({
    client: dynamodb,
    registry: ttlRegistry,
    logger,
    intervalMs: options.ttlIntervalMs || 1000,
    // Off: no table, so the mappings' records cost it nothing.
    tables: tables
      .filter((t) => ttlOn && t.ttlAttribute && mappings.some((m) => m.settings.enabled && m.settings.tableName === t.create.TableName))
      .map((t) => ({
        tableName: t.create.TableName!,
        ttlAttribute: t.ttlAttribute!,
        keyAttributes: (t.create.KeySchema ?? []).map((k) => k.AttributeName!),
      })),
  });

  // ---- Mappings --------------------------------------------------------------------------------
  let running: { functionName: string; mapping: Mapping }[] = [];
  /** Starts the enabled mappings (of `only` these functions, when given) next to those already running. */
  const startMappings = async (only?: ReadonlySet<string>) => {
    const started = mappings
      .filter((m) => m.settings.enabled && (!only || only.has(m.functionName)))
      .map((m) => {
        const mappingOptions: EventSourceMappingOptions = {
          streams,
          dynamodb,
          settings: m.settings,
          invoke: (event: unknown, invokeOptions: { functionName: string; timeoutMs: number; requestId?: string }) => {
            const runner = runners.get(invokeOptions.functionName) ?? runners.get(m.functionName)!;
            companion?.observeInvoke?.(m.functionName, invokeOptions.requestId, event);
            return runner.invoke(event, {
              timeoutMs: invokeOptions.timeoutMs,
              ...(invokeOptions.requestId ? { requestId: invokeOptions.requestId } : {}),
            });
          },
          checkpoints,
          deadLetters,
          logger: logger.child({ functionName: m.functionName }),
          region: config.region,
          accountId: SERVERLESS_DEFAULTS.localAccountId,
          ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
          // Applied to each record before filtering and delivery: marks the local TTL expirer's deletes.
          recordDecorator: (record) => ttlRegistry.decorate(ttl.observe(record)),
          onEvent: bus.publish,
        };
        return { functionName: m.functionName, mapping: createEventSourceMapping(mappingOptions) };
      });
    running = [...running, ...started];
    await Promise.all(started.map(({ mapping }) => mapping.start()));
  };
  /** Stops the mappings (of `only` these functions, when given); in-flight invocations may end for timeoutMs. */
  const stopMappings = async (timeoutMs = 5000, only?: ReadonlySet<string>) => {
    const stopping = running.filter((r) => !only || only.has(r.functionName));
    running = running.filter((r) => !stopping.includes(r));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(stopping.map(({ mapping }) => Promise.resolve(mapping.stop()))),
      new Promise((r) => (timer = setTimeout(r, timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  };
  try {
    await startMappings();
  } catch (error) {
    return fail(error);
  }
  cleanups.push(() => stopMappings());
  phase('mappings');

  // ---- TTL -------------------------------------------------------------------------------------
  if (ttlOn) ttl.start();
  cleanups.push(() => ttl.stop());

  // ---- Outages ---------------------------------------------------------------------------------
  let stopped = false;
  let recovering: Promise<void> | undefined;
  const recover = async (reason: string) => {
    logger.warn(
      `DynamoDB Local at ${endpoint} ${reason}; ${weStartedIt ? 'restarting it' : 'waiting for it to come back'}. ` +
        `The mappings pause and resume from their checkpoints.`,
      { endpoint },
    );
    await Promise.all([stopMappings(), ttl.stop()]);
    let attempt = 0;
    const since = Date.now();
    while (!stopped) {
      attempt += 1;
      try {
        if (weStartedIt) {
          await instance?.stop();
          instance = await startOurs(port);
          watchExit(instance);
          break;
        }
        if (await answersDynamoDB(endpoint, 1000)) break;
        if (attempt % 10 === 0)
          logger.warn(`still waiting for DynamoDB Local at ${endpoint}`, { waitedSeconds: Math.round((Date.now() - since) / 1000) });
      } catch (error) {
        logger.error(`restarting DynamoDB Local failed (attempt ${attempt}); trying again`, { error: (error as Error).message });
      }
      await new Promise((r) => setTimeout(r, Math.min(5000, 1000 * attempt)));
    }
    if (stopped) return;
    // In memory, the tables died with the process; on disk they are back but may be older than we think.
    for (;;) {
      try {
        await ensureTables(dynamodb, tables, { recreateCommand });
        break;
      } catch (error) {
        if (stopped) return;
        logger.error('recreating the tables failed; trying again', { error: (error as Error).message });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await startMappings();
    if (ttlOn) ttl.start();
    logger.info(`DynamoDB Local is back at ${endpoint}; ${running.length} mapping(s) resumed`, {
      endpoint,
      downSeconds: Math.round((Date.now() - since) / 100) / 10,
      inMemory,
    });
  };
  const triggerRecovery = (reason: string) => {
    if (stopped || recovering) return;
    recovering = recover(reason).finally(() => {
      recovering = undefined;
    });
  };
  const watchExit = (watched: DynamoDBLocal) => {
    void watched.exited.then((code) => {
      if (instance === watched && !stopped) triggerRecovery(`exited (code ${code ?? 'none, killed by a signal'})`);
    });
  };
  if (instance) watchExit(instance);
  // Our own process announces its death at once (watchExit). Probes catch the rest: an external
  // instance that went away, or ours hanging. A busy machine answers slowly, so only a long silence counts,
  // and ours is restarted (which loses in-memory data) only when it has not answered for hangAfterMs.
  let silentSince: number | undefined;
  let probing = false;
  let lastSilenceWarning = 0;
  const hangAfterMs = options.hangAfterMs ?? 30_000;
  const health = setInterval(() => {
    if (stopped || recovering || probing) return;
    probing = true;
    void answersDynamoDB(endpoint, 2000)
      .then((ok) => {
        if (ok) {
          if (silentSince !== undefined) {
            logger.info(`DynamoDB Local at ${endpoint} answers again`);
            // An instance we did not start may have been replaced, however short the gap, by an empty
            // one: recovery makes sure of the tables and resumes the mappings (a no-op for the same one).
            if (!weStartedIt) triggerRecovery('did not answer for a moment');
          }
          silentSince = undefined;
          return;
        }
        const now = Date.now();
        if (silentSince === undefined) {
          silentSince = now;
          return;
        }
        const silentMs = now - silentSince;
        if (!weStartedIt && silentMs >= 2000) triggerRecovery('stopped answering');
        else if (weStartedIt && silentMs >= hangAfterMs)
          triggerRecovery(`has not answered for ${Math.round(silentMs / 1000)} s (the process is alive but hangs)`);
        else if (weStartedIt && now - lastSilenceWarning >= 5000) {
          lastSilenceWarning = now;
          logger.warn(
            `DynamoDB Local at ${endpoint} has not answered for ${Math.round(silentMs / 1000)} s; ` +
              `restarting it after ${hangAfterMs / 1000} s of silence`,
          );
        }
      })
      .finally(() => {
        probing = false;
        if (recovering) silentSince = undefined;
      });
  }, options.healthIntervalMs ?? 1000);
  health.unref();

  // ---- serverless.yml reload: mapping and function settings apply while running ---------------------
  // Two readings of the file by the same reader are compared (the running config may come from Serverless,
  // whose resolution differs in details), and only the changed functions' mappings restart, from their checkpoints.
  let reloading: Promise<void> = Promise.resolve();
  const configFile = join(projectDir, 'serverless.yml');
  const reloadOnChange = options.watch !== false && existsSync(configFile);
  let baseline: StackConfig | undefined;
  if (reloadOnChange) {
    try {
      baseline = loadStackConfig({ projectDir, stage: config.stage });
    } catch (error) {
      logger.warn('serverless.yml changes are not applied while running: it cannot be read outside Serverless', {
        event: 'settings-reload-off',
        errorName: (error as Error).name,
        error: (error as Error).message,
      });
    }
  }
  const applyFunction = async (change: FunctionReload, next: StackConfig): Promise<void> => {
    const only = new Set([change.functionName]);
    const newMappings = change.mappings.map((settings) => ({ functionName: change.functionName, settings }));
    const current = mappings.filter((m) => m.functionName === change.functionName);
    const wasEnabled = new Set(current.filter((m) => m.settings.enabled).map((m) => m.settings.tableName));
    // A mapping switched on was not checked at start (disabled ones are not).
    await iam?.checkMappings(newMappings.filter((m) => !wasEnabled.has(m.settings.tableName)));
    const oldTimeout = Math.max(0, ...current.map((m) => m.settings.functionTimeoutSeconds));
    // In-flight invocations finish (up to the function's timeout) and checkpoint before the new settings start.
    await stopMappings(oldTimeout * 1000 + 5000, only);
    const at = mappings.findIndex((m) => m.functionName === change.functionName);
    const others = (part: MappingInfo[]) => part.filter((m) => m.functionName !== change.functionName);
    mappings = [...others(mappings.slice(0, at)), ...newMappings, ...others(mappings.slice(at))];
    if (change.runnerChanged) {
      const entry = entries.find((e) => e.functionName === change.functionName)!;
      const old = runners.get(change.functionName);
      runners.set(change.functionName, createRunner(entry, next));
      await old?.stop();
    }
    if (!stopped && !recovering) await startMappings(only);
  };
  const reloadConfig = async (): Promise<void> => {
    if (!baseline || stopped) return;
    await recovering;
    let next: StackConfig;
    let plan: ConfigReloadPlan;
    try {
      next = loadStackConfig({ projectDir, stage: config.stage });
      const restartCommand = `restart npm start${stageOption ? ` --${stageOption}` : ''}`;
      plan = planConfigReload(baseline, next, { running: entries.map((e) => e.functionName), recreateCommand, restartCommand });
    } catch (error) {
      plan = { kind: 'invalid', error: error as Error };
    }
    if (plan.kind === 'unchanged') return;
    if (plan.kind === 'invalid') {
      logger.error(`serverless.yml: ${plan.error.message}; the running mappings keep their settings`, {
        event: 'settings-invalid',
        errorName: plan.error.name,
        ...(plan.functionName ? { functionName: plan.functionName } : {}),
        ...(plan.setting ? { setting: plan.setting } : {}),
      });
      return;
    }
    if (plan.restart.length > 0) {
      const what = plan.restart.map((n) => `${n.subject} ${n.reason} (${n.remedy})`).join('; ');
      logger.warn(`serverless.yml changed what needs a restart: ${what}`, {
        event: 'settings-need-restart',
        needs: plan.restart,
      });
    }
    for (const change of plan.reload) {
      try {
        await applyFunction(change, next!);
        const settings = change.changes.map((c) => c.setting).join(', ');
        logger.info(`serverless.yml: applied ${settings} to ${change.functionName}; its mappings resumed from their checkpoints`, {
          event: 'settings-applied',
          functionName: change.functionName,
          changes: change.changes,
        });
      } catch (error) {
        // Keeps what runs comparable: this function's next change is compared with the settings it still has.
        next!.functions[change.functionName] = baseline.functions[change.functionName]!;
        logger.error(`serverless.yml: the changes to ${change.functionName} were not applied: ${(error as Error).message}`, {
          event: 'settings-invalid',
          errorName: (error as Error).name,
          functionName: change.functionName,
        });
        const idle = !running.some((r) => r.functionName === change.functionName);
        if (!stopped && !recovering && idle) await startMappings(new Set([change.functionName]));
      }
    }
    baseline = next!;
  };
  if (baseline) {
    const configWatch = watchConfigFile(configFile, () => {
      reloading = reloading
        .then(reloadConfig)
        .catch((error) => logger.error('applying serverless.yml failed', { error: (error as Error).message }));
    });
    cleanups.push(async () => {
      configWatch.close();
      await reloading;
    });
  }

  // ---- stack.json: `sls invoke local` finds this stack's IAM proxy here and sends the function's calls through it ----
  writeStackFile(stateDir, { stage: config.stage, endpoint, ...(iam ? { iamEndpoint: iam.endpoint } : {}), pid: process.pid });
  cleanups.push(async () => removeStackFile(stateDir, endpoint));

  const readyMs = Date.now() - startedAt;
  logger.info('local stack ready', { event: 'local-stack-ready', readyMs, endpoint, stage: config.stage, dynamodbPid: instance?.pid });
  return {
    endpoint,
    readyMs,
    port,
    stage: config.stage,
    tables,
    get mappings() {
      return mappings;
    },
    deadLetterDir,
    checkpointDir,
    dataDir,
    buildDir: build.outDir,
    get dynamodbPid() {
      return instance?.pid;
    },
    ttl,
    ttlRegistry,
    deadLetters,
    bus,
    async whenHealthy() {
      while (recovering) await recovering;
    },
    async drain(timeoutMs = 10_000) {
      await Promise.all(running.map(({ mapping }) => mapping.drain(timeoutMs)));
    },
    summary(extraLines = []) {
      return formatSummary({
        readyMs,
        phases,
        projectDir,
        config,
        endpoint,
        inMemory,
        dataDir,
        weStartedIt,
        pid: instance?.pid,
        tables,
        mappings,
        ttlIntervalMs: ttlOn ? options.ttlIntervalMs || 1000 : 0,
        deadLetterDir,
        checkpointDir,
        buildDir: build.outDir,
        watching: options.watch !== false,
        extraLines,
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(health);
      await recovering;
      for (const cleanup of cleanups.reverse())
        await cleanup().catch((error) => logger.warn('stopping failed', { error: (error as Error).message }));
      dynamodb.destroy();
      streams.destroy();
      await instance?.stop();
      if (inMemory) rmSync(build.outDir, { recursive: true, force: true });
    },
  };
}

/** The tables `recreate` names, checked against serverless.yml before anything starts. */
function recreateSet(names: string[] | undefined, tables: TableDefinition[]): ReadonlySet<string> | 'all-changed' | undefined {
  if (!names || names.length === 0) return undefined;
  if (names.includes('all-changed')) return 'all-changed';
  const known = tables.map((t) => t.create.TableName!);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `--recreate names ${unknown.join(', ')}, which serverless.yml does not define; ` +
        `its tables are ${known.join(', ')} (or use --recreate all-changed)`,
    );
  }
  return new Set(names);
}

/**
 * Lines that let the AWS CLI or any SDK reach the local stack with no AWS configuration: DynamoDB Local takes
 * any key, and these are not anyone's credentials. The endpoint goes on the command line, since AWS CLI
 * versions before 2.13 (Debian 12 ships 2.9) ignore AWS_ENDPOINT_URL_*. Both region variables: the CLI
 * reads AWS_DEFAULT_REGION, the SDKs AWS_REGION.
 */
export function quickStartLines(endpoint: string, region: string): string[] {
  return [
    `export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=${region} AWS_REGION=${region}`,
    `aws dynamodb list-tables --endpoint-url ${endpoint}`,
  ];
}

interface SummaryInput {
  readyMs: number;
  phases: [string, number][];
  projectDir: string;
  config: StackConfig;
  endpoint: string;
  inMemory: boolean;
  dataDir: string | undefined;
  weStartedIt: boolean;
  pid: number | undefined;
  tables: TableDefinition[];
  mappings: MappingInfo[];
  ttlIntervalMs: number;
  deadLetterDir: string;
  checkpointDir: string | undefined;
  buildDir: string;
  watching: boolean;
  extraLines: readonly SummaryLine[];
}

/** A line of the stack's summary, aligned with its own: `  Console         http://...`. */
export interface SummaryLine {
  label: string;
  text: string;
}

/** The width of the summary's labels. */
const LABEL_WIDTH = 16;

/** Describes a mapping's settings in one short line. */
export function describeSettings(s: StreamMappingSettings): string {
  const parts = [
    `batch ${s.batchSize}`,
    `window ${s.batchWindowSeconds} s`,
    s.startingPosition,
    `retries ${s.maximumRetryAttempts === -1 ? 'until expiry' : s.maximumRetryAttempts}`,
    `max age ${s.maximumRecordAgeInSeconds === -1 ? 'none' : `${s.maximumRecordAgeInSeconds} s`}`,
    ...(s.bisectBatchOnFunctionError ? ['bisect'] : []),
    ...(s.parallelizationFactor > 1 ? [`parallel ${s.parallelizationFactor}`] : []),
    ...(s.tumblingWindowInSeconds > 0 ? [`tumbling ${s.tumblingWindowInSeconds} s`] : []),
    ...(s.reportBatchItemFailures ? ['ReportBatchItemFailures'] : []),
    ...(s.filterPatterns.length > 0 ? [`${s.filterPatterns.length} filter${s.filterPatterns.length > 1 ? 's' : ''}`] : []),
    `timeout ${s.functionTimeoutSeconds} s`,
    ...(s.onFailureDestination ? [`on failure ${s.onFailureDestination} -> dead-letter store`] : []),
  ];
  return parts.join(', ');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function formatSummary(input: SummaryInput): string {
  const rel = (path: string) => relative(process.cwd(), path) || '.';
  const storage = input.inMemory ? 'in memory' : `data in ${rel(input.dataDir!)}/`;
  const lines = [
    `Local stack, stage ${input.config.stage}: ready in ${seconds(input.readyMs)} ` +
      `(${input.phases.map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')})`,
    `  DynamoDB Local  ${input.endpoint}  ` +
      `(${storage}; ${input.weStartedIt ? `started here, pid ${input.pid}` : 'already running, not started here'})`,
    `  Tables          ${input.tables
      .map(
        (t) => t.create.TableName + (t.create.StreamSpecification ? ' [stream]' : '') + (t.ttlAttribute ? ` [ttl ${t.ttlAttribute}]` : ''),
      )
      .join(', ')}`,
    ...input.mappings.map(
      (m, i) =>
        `  ${i === 0 ? 'Mappings' : '        '}        ${m.functionName} <- ${m.settings.tableName}` +
        `${m.settings.enabled ? '' : ' (enabled: false, not running)'}: ${describeSettings(m.settings)}`,
    ),
    ...(input.mappings.length === 0 ? ['  Mappings        none (no function has a stream event)'] : []),
    `  TTL expiry      ${
      input.ttlIntervalMs > 0
        ? `every ${input.ttlIntervalMs / 1000} s on ${
            input.tables
              .filter((t) => t.ttlAttribute)
              .map((t) => `${t.create.TableName}.${t.ttlAttribute}`)
              .join(', ') || 'no table'
          }`
        : 'off'
    }`,
    `  Dead letters    ${rel(input.deadLetterDir)}/  (npm run dead-letters)`,
    `  Checkpoints     ${input.checkpointDir ? `${rel(input.checkpointDir)}/` : 'in memory'}`,
    `  Handlers        built to ${rel(input.buildDir)}/${input.watching ? ', rebuilt on changes under functions/ and lib/' : ''}`,
    ...input.extraLines.map(({ label, text }) => `  ${label.padEnd(LABEL_WIDTH)}${text}`),
    ...quickStartLines(input.endpoint, input.config.region).map((line, i) => `  ${i === 0 ? 'Quick start   ' : '              '}  ${line}`),
  ];
  return lines.join('\n');
}
