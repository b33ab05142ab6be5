'use strict';
// In-repository Serverless plugin behind `npm start` (issue 3) and `sls invoke local` against DynamoDB Local
// (issue 2). Plain CommonJS, so osls and Serverless v4 can load it; the TypeScript behind it is loaded on
// first use with tsx registered only while loading (tsx's namespaced require would tag resolved paths with
// ?namespace=, which breaks esbuild's lookup of its own binary).
//
// Hooks:
//   initialize                               `sls deploy` with the stage `local` stops here, before any AWS call.
//   offline:start:init / offline:start:end   `sls offline start` also runs the local stack (DynamoDB Local,
//                                            tables, stream mappings, TTL) and stops it.
//   initialize (invoke local)                on the stage `local`, re-runs the command on the Node.js of the
//                                            function's runtime when this process runs another major.
//   before/after:invoke:local:invoke         starts a throwaway DynamoDB Local when nothing answers at the
//                                            stage's DYNAMODB_ENDPOINT, and stops it afterwards; sends the
//                                            function's calls through an IAM proxy (npm start's, or its own).

const modules = {};
const load = (file) => {
  if (!modules[file]) {
    const unregister = require('tsx/cjs/api').register();
    try {
      modules[file] = require(file);
    } finally {
      unregister();
    }
  }
  return modules[file];
};
// Light: deploy guard and invoke local. Heavy (esbuild, the engine): only for `offline start`.
const hooks = () => load('./serverless-hooks.ts');
const invokeNode = () => load('./invoke-local-node.ts');
const invokeIam = () => load('./invoke-local-iam.ts');
const offlineHooks = () => load('./offline-hooks.ts');

// How long the stack may take to stop when the process must end; then it ends regardless (the JVM and the
// handler workers die with this process).
const STOP_GRACE_MS = 15000;

class LocalStreamsPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options || {};
    this.rootDir = serverless.serviceDir || serverless.config?.servicePath || process.cwd();
    this.log = utils?.log || { notice: console.log, warning: console.warn, error: console.error, info: console.log };
    this.hooks = {
      initialize: () => {
        // Most commands are not deploys: decide without loading any TypeScript.
        const commands = serverless.processedInput?.commands || [];
        if (commands[0] === 'deploy') this.run(() => hooks().guardDeploy(this.context(), true));
        if (commands[0] === 'offline') this.exitOnFailure();
        // Here, not in before:invoke:local:invoke: the re-run builds the handler itself, so nothing is built twice.
        if (commands[0] === 'invoke' && commands[1] === 'local') return this.run(() => this.invokeOnRuntimeNode());
        return undefined;
      },
      // Again just before deploying, for a Serverless version that does not expose processedInput.
      'before:deploy:deploy': () => this.run(() => hooks().guardDeploy(this.context(), true)),
      'offline:start:init': () =>
        this.run(async () => {
          // Started by npm start, which may be killed outright: its death is a SIGTERM to this process.
          load('../../local/stack/parent-watch.ts').watchParent(() => this.terminate());
          this.stack = await offlineHooks().startStackInServerless(this.context());
        }),
      'offline:start:end': async () => {
        if (this.stack) await this.stack.stop();
        this.stack = undefined;
      },
      'before:invoke:local:invoke': () =>
        this.run(async () => {
          this.invokeDatabase = await hooks().ensureDynamoDBForInvokeLocal(this.context(), process.env);
          this.invokeIam = await invokeIam().enforceIamForInvokeLocal(this.context(), process.env, this.projectDir());
        }),
      'after:invoke:local:invoke': async () => {
        if (this.invokeIam) await this.invokeIam.stop();
        this.invokeIam = undefined;
        if (this.invokeDatabase) await this.invokeDatabase.stop();
        this.invokeDatabase = undefined;
      },
    };
  }

  // osls runs a Node.js handler inside its own process: to run it on the runtime's Node.js, the whole command runs
  // again there (same arguments, inherited stdio), and this process ends with its exit code.
  async invokeOnRuntimeNode() {
    const decision = invokeNode().invokeLocalNode(this.context(), process.env);
    if (decision.kind === 'notice') this.log.notice(decision.message);
    if (decision.kind !== 're-run') return;
    const { spawn } = require('node:child_process');
    const child = spawn(decision.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, [invokeNode().INVOKE_LOCAL_RERUN_ENV]: decision.version },
    });
    const forward = (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const code = await new Promise((resolve) => {
      child.on('error', (error) => {
        process.stderr.write(`Could not run ${decision.execPath}: ${error.message}\n`);
        resolve(1);
      });
      child.on('exit', (exitCode, signal) => {
        const signals = require('node:os').constants.signals;
        resolve(exitCode ?? (signal && signals[signal] ? 128 + signals[signal] : 1));
      });
    });
    process.exit(code);
  }

  // Read when the plugin is made: serverless-esbuild points serviceDir at its build folder before invoking.
  projectDir() {
    return this.rootDir;
  }

  // Our errors say what to do: show them as Serverless shows its own (message only, no stack trace).
  async run(step) {
    try {
      return await step();
    } catch (error) {
      const ServerlessError = this.serverless.classes?.Error;
      if (error && hooks().isAppError(error)) {
        // Serverless prints the message on stdout; this line lets a tool (an IDE, a test) tell the failure by name.
        process.stderr.write(`${JSON.stringify({ level: 'error', event: 'local-stack-failed', errorName: error.name })}\n`);
        if (ServerlessError) throw new ServerlessError(`${error.name}: ${error.message}`, 'LOCAL_STACK');
      }
      throw error;
    }
  }

  // osls reports a failed command by setting process.exitCode, then waits for the event loop to empty, which
  // never happens once serverless-esbuild watches files or serverless-offline listens: whichever plugin
  // failed, stop the stack and exit with that code.
  exitOnFailure() {
    const timer = setInterval(() => {
      if (!process.exitCode) return;
      clearInterval(timer);
      this.exit(process.exitCode);
    }, 100);
    timer.unref();
  }

  async exit(code) {
    setTimeout(() => process.exit(code), STOP_GRACE_MS).unref();
    try {
      if (this.stack) await this.stack.stop();
    } finally {
      process.exit(code);
    }
  }

  // The same path as a SIGTERM from outside: serverless-offline ends, then offline:start:end stops the stack.
  terminate() {
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  }

  context() {
    return { serverless: this.serverless, options: this.options, log: this.log };
  }
}

module.exports = LocalStreamsPlugin;
