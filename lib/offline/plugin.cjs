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
//   before/after:invoke:local:invoke         starts a throwaway DynamoDB Local when nothing answers at the
//                                            stage's DYNAMODB_ENDPOINT, and stops it afterwards.

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
const hooks = () => load('./stack/serverless-hooks.ts');
const offlineHooks = () => load('./stack/offline-hooks.ts');

class LocalStreamsPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options || {};
    this.log = (utils && utils.log) || { notice: console.log, warning: console.warn, error: console.error, info: console.log };
    this.hooks = {
      initialize: () => {
        // Most commands are not deploys: decide without loading any TypeScript.
        const commands = (serverless.processedInput && serverless.processedInput.commands) || [];
        if (commands[0] === 'deploy') this.run(() => hooks().guardDeploy(this.context(), true));
      },
      // Again just before deploying, for a Serverless version that does not expose processedInput.
      'before:deploy:deploy': () => this.run(() => hooks().guardDeploy(this.context(), true)),
      'offline:start:init': () =>
        this.run(async () => {
          this.stack = await offlineHooks().startStackInServerless(this.context());
        }),
      'offline:start:end': async () => {
        if (this.stack) await this.stack.stop();
        this.stack = undefined;
      },
      'before:invoke:local:invoke': () =>
        this.run(async () => {
          this.invokeDatabase = await hooks().ensureDynamoDBForInvokeLocal(this.context());
        }),
      'after:invoke:local:invoke': async () => {
        if (this.invokeDatabase) await this.invokeDatabase.stop();
        this.invokeDatabase = undefined;
      },
    };
  }

  // Our errors say what to do: show them as Serverless shows its own (message only, no stack trace).
  async run(step) {
    try {
      return await step();
    } catch (error) {
      const ServerlessError = this.serverless.classes && this.serverless.classes.Error;
      if (ServerlessError && error && hooks().isAppError(error)) throw new ServerlessError(`${error.name}: ${error.message}`, 'LOCAL_STACK');
      throw error;
    }
  }

  context() {
    return { serverless: this.serverless, options: this.options, log: this.log };
  }
}

module.exports = LocalStreamsPlugin;
