'use strict';
// One Lambda execution environment: a child process that loads the bundled handler once and runs
// one invocation at a time, as the Node.js runtime does. Plain CommonJS, so it starts without tsx.
const { randomUUID } = require('node:crypto');

let loaded;

function loadHandler(file, exportName) {
  if (!loaded || loaded.file !== file) {
    let mod;
    try {
      mod = require(file);
    } catch (error) {
      // As Lambda reports a handler module that fails to load.
      if (error && typeof error === 'object') error.name = 'Runtime.ImportModuleError';
      throw error;
    }
    const handler = exportName.split('.').reduce((value, key) => (value == null ? undefined : value[key]), mod);
    if (typeof handler !== 'function') {
      const error = new Error(`${file} does not export a function named ${exportName}`);
      error.name = 'Runtime.HandlerNotFound';
      throw error;
    }
    loaded = { file, handler };
  }
  return loaded.handler;
}

function lambdaContext(message) {
  const deadline = message.deadline;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: message.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: message.functionArn,
    memoryLimitInMB: String(message.memorySize),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${message.functionName}`,
    logStreamName: message.logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    succeed() {},
    fail() {},
  };
}

function errorResult(error) {
  const isError = error instanceof Error;
  return {
    ok: false,
    errorType: (isError && error.name) || 'Error',
    errorMessage: isError ? error.message : String(error),
    ...(isError && error.stack ? { stack: error.stack } : {}),
  };
}

// Lambda serializes the response as JSON: undefined becomes null, Sets become {}, and so on.
function okResult(response) {
  const json = JSON.stringify(response === undefined ? null : response);
  return { ok: true, response: JSON.parse(json === undefined ? 'null' : json) };
}

async function invoke(message) {
  // Loaded in the init phase already; a rebuilt file (new path) loads here, as a fresh environment would.
  const handler = loadHandler(message.handlerFile, message.exportName);
  const context = lambdaContext(message);
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, response) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(response);
    };
    try {
      const returned = handler(message.event, context, callback);
      if (returned && typeof returned.then === 'function')
        returned.then(
          (r) => callback(null, r),
          (e) => callback(e ?? new Error('Handler rejected')),
        );
    } catch (error) {
      callback(error);
    }
  });
}

let current;

// Lambda's init phase: the module loads before any invocation, so its time does not count against the timeout.
function init(message) {
  const started = performance.now();
  try {
    loadHandler(message.handlerFile, message.exportName);
    process.send({ type: 'initialized', ok: true, durationMs: performance.now() - started });
  } catch (error) {
    process.send({ type: 'initialized', ok: false, durationMs: performance.now() - started, result: errorResult(error) });
  }
}

const maxMemoryUsedMb = () => Math.ceil(process.resourceUsage().maxRSS / 1024);

process.on('message', (message) => {
  if (message && message.type === 'init') return init(message);
  if (message?.type !== 'invoke') return;
  current = message.id;
  invoke(message).then(
    (response) => send({ type: 'result', id: message.id, result: okResult(response), maxMemoryUsedMb: maxMemoryUsedMb() }),
    (error) => send({ type: 'result', id: message.id, result: errorResult(error), maxMemoryUsedMb: maxMemoryUsedMb() }),
  );
});

function send(message) {
  current = undefined;
  try {
    process.send(message);
  } catch (error) {
    process.send({ type: 'result', id: message.id, result: errorResult(error) });
  }
}

// As in Lambda, an uncaught error fails the running invocation and ends the environment.
function fatal(kind) {
  return (error) => {
    if (current !== undefined) {
      const result = errorResult(error);
      result.errorType = kind;
      process.send({ type: 'result', id: current, result }, () => process.exit(1));
    } else {
      process.stderr.write(`${kind}: ${error?.stack ? error.stack : String(error)}\n`);
      process.exit(1);
    }
  };
}
process.on('uncaughtException', fatal('Runtime.UncaughtException'));
// The stack went away (even killed): this environment has no one to answer to.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', fatal('Runtime.UnhandledPromiseRejection'));
process.send({ type: 'ready' });
