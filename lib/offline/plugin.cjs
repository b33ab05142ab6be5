'use strict';
// In-repository Serverless plugin behind `npm start` (issue 3) and `sls invoke local` against DynamoDB Local
// (issue 2). Plain CommonJS, so osls and Serverless v4 can load it; the TypeScript behind it is loaded on
// first use through tsx's scoped require, which registers nothing globally.
//
// Hooks:
//   initialize                               `sls deploy` with the stage `local` stops here, before any AWS call.
//   offline:start:init / offline:start:end   `sls offline start` also runs the local stack (DynamoDB Local,
//                                            tables, stream mappings, TTL) and stops it.
//   before/after:invoke:local:invoke         starts a throwaway DynamoDB Local when nothing answers at the
//                                            stage's DYNAMODB_ENDPOINT, and stops it afterwards.

const modules = {};
const load = (file) => {
  if (!modules[file]) modules[file] = require('tsx/cjs/api').require(file, __filename);
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
        if (commands[0] === 'deploy') hooks().guardDeploy(this.context());
      },
      'offline:start:init': async () => {
        this.stack = await offlineHooks().startStackInServerless(this.context());
      },
      'offline:start:end': async () => {
        if (this.stack) await this.stack.stop();
        this.stack = undefined;
      },
      'before:invoke:local:invoke': async () => {
        this.invokeDatabase = await hooks().ensureDynamoDBForInvokeLocal(this.context());
      },
      'after:invoke:local:invoke': async () => {
        if (this.invokeDatabase) await this.invokeDatabase.stop();
        this.invokeDatabase = undefined;
      },
    };
  }

  context() {
    return { serverless: this.serverless, options: this.options, log: this.log };
  }
}

module.exports = LocalStreamsPlugin;
