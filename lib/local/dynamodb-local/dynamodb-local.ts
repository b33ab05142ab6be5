import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBLocalError } from '../errors.js';
import { projectPaths, projectRoot } from '../../mapping/project-paths.js';

/** Version of the npm package that carries AWS's DynamoDB Local jar (see install-dynamodb-local.mjs). */
export const DYNAMODB_LOCAL_PACKAGE_VERSION = '2.9.30';

/** Folder holding DynamoDBLocal.jar and DynamoDBLocal_lib, as `npm install` unpacks it. */
export const dynamoDBLocalDir = (): string =>
  process.env.DYNAMODB_LOCAL_DIR ?? join(projectRoot, 'node_modules', '.cache', 'dynamodb-local', DYNAMODB_LOCAL_PACKAGE_VERSION);

export interface DynamoDBLocalOptions {
  /** Port to listen on; 0 picks a free one. Default 8000. */
  port?: number;
  /** Default 127.0.0.1: nothing outside this machine reaches it. */
  host?: string;
  /** Keep data in memory only (default). When false, data lives in `dbPath`. */
  inMemory?: boolean;
  /** Folder for the data file when not in memory. */
  dbPath?: string;
  /** How long to wait for it to answer, in ms. Default 30,000. */
  startTimeoutMs?: number;
  /** Receives DynamoDB Local's own output lines. */
  onOutput?: (line: string) => void;
  /** Where PATH, JAVA_HOME and HOME come from; default process.env. Nothing else of it reaches the JVM. */
  env?: NodeJS.ProcessEnv;
  /**
   * How the JVM follows this process into death, however it dies: `setpriv` (the kernel kills it,
   * util-linux's setpriv --pdeathsig) or `poll` (a shell loop checks this process twice a second).
   * Default: setpriv when it works here, else poll.
   */
  parentDeath?: ParentDeathWatch;
}

/** How the JVM is tied to the life of the process that started it. */
export type ParentDeathWatch = 'setpriv' | 'poll';

/** A running DynamoDB Local. */
export interface DynamoDBLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Stops the JVM and waits for it to exit. */
  stop(): Promise<void>;
  /** Resolves when the process exits for any reason. */
  readonly exited: Promise<number | null>;
}

/** Asks the OS for a free TCP port on the loopback interface. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts TCP connections at host:port within `timeoutMs`. */
export async function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => finish(true));
  });
}

/** True when a DynamoDB API answers ListTables at `endpoint`. */
export async function answersDynamoDB(endpoint: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        // DynamoDB Local accepts any signature; it only needs the header's shape.
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

// The JVM needs a launcher, its home and a temp folder; shell credentials (AWS_*) and the rest stay out.
const JAVA_VARIABLES = ['PATH', 'JAVA_HOME', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ'];

/** The environment DynamoDB Local runs with: only what Java needs, telemetry off. */
export function javaEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of JAVA_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return { ...picked, DDB_LOCAL_TELEMETRY: '0' };
}

/** The java launcher: JAVA_HOME's when JAVA_HOME is set (as Java tools do), else java on PATH. */
export function javaCommand(env: NodeJS.ProcessEnv): string {
  const home = env.JAVA_HOME;
  if (!home) return 'java';
  const launcher = join(home, 'bin', 'java');
  if (!existsSync(launcher)) {
    throw new DynamoDBLocalError(
      `JAVA_HOME is ${home}, which has no bin/java, and DynamoDB Local needs Java. ` +
        'Point JAVA_HOME at a Java 17 runtime, or unset it to use java on PATH.',
    );
  }
  return launcher;
}

function assertJava(java: string, env: Record<string, string>): void {
  const probe = spawnSync(java, ['-version'], { stdio: 'ignore', env });
  if (probe.error || probe.status !== 0) {
    throw new DynamoDBLocalError(
      `Java was not found (${java === 'java' ? `no java on PATH=${env.PATH ?? ''}` : `${java} does not run`}), ` +
        'and DynamoDB Local needs it. ' +
        'Install a Java 17 runtime (Debian: apt-get install -y openjdk-17-jre-headless) or run npm install as root, which installs it.',
    );
  }
}

let setprivWorks: boolean | undefined;

/** True when util-linux's setpriv can set a parent-death signal here (Debian has it; some images do not). */
function canUseSetpriv(env: Record<string, string>): boolean {
  setprivWorks ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', env }).status === 0;
  return setprivWorks;
}

/**
 * Kills `pid` once this process is gone: a shell loop, in case setpriv is missing. It ends by itself when
 * the JVM ends, and does not keep this process alive.
 */
function watchParentByPolling(pid: number, env: Record<string, string>): void {
  // The parent is gone when this shell has been handed to another (init or a subreaper): a killed parent
  // may linger as a zombie that `kill -0` still finds.
  const script = [
    'parent=$1; jvm=$2',
    'alive() { read -r _ _ _ ppid _ < /proc/$$/stat; [ "$ppid" = "$parent" ]; }',
    'while alive && kill -0 "$jvm" 2>/dev/null; do sleep 0.5; done',
    'kill -KILL "$jvm" 2>/dev/null; exit 0',
  ].join('\n');
  const watcher = spawn('sh', ['-c', script, 'dynamodb-local-watch', String(process.pid), String(pid)], { stdio: 'ignore', env });
  watcher.unref();
}

/**
 * Starts AWS's DynamoDB Local (the real jar) and resolves once it answers API calls.
 * `-sharedDb` makes every region and access key see the same tables, as one account would.
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<DynamoDBLocal> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 ? await freePort(host) : (options.port ?? 8000);
  const dir = dynamoDBLocalDir();
  const jar = join(dir, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) {
    throw new DynamoDBLocalError(
      `DynamoDB Local is not installed at ${dir}. ` +
        `Run npm install (its postinstall step fetches it), or node lib/local/dynamodb-local/install-dynamodb-local.mjs.`,
    );
  }
  const env = javaEnvironment(options.env ?? process.env);
  const java = javaCommand(env);
  assertJava(java, env);
  if (await isListening(host, port)) {
    throw new DynamoDBLocalError(
      `Port ${port} on ${host} is already in use. Stop what listens there, or pick another port (--port, or DYNAMODB_PORT).`,
    );
  }
  const storage: string[] = [];
  if (options.inMemory ?? true) storage.push('-inMemory');
  else {
    const dbPath = resolve(options.dbPath ?? projectPaths().dynamodbData);
    mkdirSync(dbPath, { recursive: true });
    storage.push('-dbPath', dbPath);
  }
  const args = [`-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', jar, '-sharedDb', '-port', String(port), ...storage];
  const parentDeath = options.parentDeath ?? (canUseSetpriv(env) ? 'setpriv' : 'poll');
  // setpriv sets the parent-death signal, then execs java: the pid stays the JVM's, and a SIGKILL of this
  // process still takes the JVM with it (an orphaned JVM would hold the port and the data folder).
  const [command, commandArgs] = parentDeath === 'setpriv' ? ['setpriv', ['--pdeathsig', 'KILL', '--', java, ...args]] : [java, args];
  const child: ChildProcess = spawn(command, commandArgs, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (parentDeath === 'poll' && child.pid) watchParentByPolling(child.pid, env);
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const endpoint = `http://${host}:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  while (!(await answersDynamoDB(endpoint, 500))) {
    if (dead || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DynamoDBLocalError(
        `DynamoDB Local did not start on ${endpoint}${dead ? ' (it exited)' : ''}. Its last output:\n${output.join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    port,
    pid: child.pid,
    exited,
    async stop() {
      if (dead) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
