/* global process, console */
/**
 * The runtime inside one function's child process, standing in for Lambda's Node.js runtime
 * interface client. Plain JavaScript on purpose: the child starts with bare `node` (no tsx
 * loader) so a cold start costs what the function's own bundle costs, nothing more.
 *
 * Protocol over the IPC channel (parent → child):
 *   { t: 'invoke', id, event, context: { awsRequestId, timeoutMs, invokedFunctionArn, ... }, env? }
 *   { t: 'env', env }                       refreshed variables (credentials) applied before the next invoke
 * child → parent:
 *   { t: 'result', id, ok: true, payload }  payload is the JSON text of the handler's return value
 *   { t: 'result', id, ok: false, error: { errorType, errorMessage, trace }, fatal? }
 *
 * The module is imported on the first invoke (Lambda's init phase runs inside the first request),
 * so an init error is reported as that invocation's error, and the parent discards the process.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { format } from 'node:util';

const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerSpec = process.env._HANDLER ?? 'index.handler';

const END_MARKER = '\u0000local-invocation-end ';

let currentRequestId = undefined;
let current = undefined;
let handlerFn = undefined;

// The console, in Lambda's text format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`.
const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
for (const [method, level] of Object.entries(levels)) {
  console[method] = (...args) => {
    // Newlines become \r so one log call stays one line (as Lambda keeps it one log event).
    const message = format(...args).replace(/\n/g, '\r');
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}\n`);
  };
}

function errorPayload(err, typeOverride) {
  if (err instanceof Error) {
    return {
      errorType: typeOverride ?? (err.name || 'Error'),
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  // Lambda reports a thrown non-Error by its type and string form.
  return { errorType: typeOverride ?? typeof err, errorMessage: String(err), trace: [] };
}

function send(message) {
  if (process.connected) process.send(message);
}

function finish(id, outcome) {
  if (!current || current.id !== id || current.done) return;
  current.done = true;
  current = undefined;
  currentRequestId = undefined;
  // Stdout (a pipe) and the IPC channel are separate: this marker tells the parent that every
  // line logged during the invocation has been written before the result.
  process.stdout.write(`${END_MARKER}${id}\n`);
  send({ t: 'result', id, ...outcome });
}

function fail(id, err, typeOverride, fatal = false) {
  finish(id, { ok: false, error: errorPayload(err, typeOverride), fatal });
}

function succeed(id, value) {
  let payload;
  try {
    payload = value === undefined ? 'null' : JSON.stringify(value);
    if (payload === undefined) payload = 'null';
  } catch (err) {
    fail(id, err, 'Runtime.SerializationError');
    return;
  }
  finish(id, { ok: true, payload });
}

/**
 * On Lambda nothing lies above /var/task, so a `.js` handler is CommonJS unless the task root's own
 * package.json says `"type": "module"`. Here the task root sits inside the project, whose package.json
 * may say module (Vite apps do): a package.json in the task root, when it has none, stops Node's lookup
 * where Lambda's would stop. Written by rename, so instances starting together never see half a file.
 */
function markTaskRootBoundary() {
  const marker = path.join(taskRoot, 'package.json');
  if (existsSync(marker)) return;
  const tmp = `${marker}.${process.pid}.tmp`;
  writeFileSync(tmp, '{ "type": "commonjs" }\n');
  renameSync(tmp, marker);
}

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf('.');
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${handlerSpec}: expected <module>.<function>`), {
      name: 'Runtime.MalformedHandlerName',
    });
  }
  const modulePath = handlerSpec.slice(0, dot);
  const fnPath = handlerSpec.slice(dot + 1).split('.');
  const base = path.resolve(taskRoot, modulePath);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
  }
  if (file.endsWith('.js')) markTaskRootBoundary();
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    if (err instanceof SyntaxError) throw Object.assign(err, { name: 'Runtime.UserCodeSyntaxError' });
    throw err;
  }
  let fn = mod;
  for (const key of fnPath) fn = fn?.[key];
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

function makeContext(id, c) {
  const deadline = Date.now() + c.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: c.awsRequestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: c.identity,
    clientContext: c.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // Legacy completion methods some handlers still call.
    done: (err, value) => (err ? fail(id, err) : succeed(id, value)),
    succeed: (value) => succeed(id, value),
    fail: (err) => fail(id, err),
  };
}

async function invoke(message) {
  const { id, event, context } = message;
  if (message.env) Object.assign(process.env, message.env);
  current = { id, done: false };
  currentRequestId = context.awsRequestId;
  if (!handlerFn) {
    try {
      handlerFn = await loadHandler();
    } catch (err) {
      // Lambda discards an environment whose init failed and retries init on the next request.
      fail(id, err, undefined, true);
      return;
    }
  }
  const ctx = makeContext(id, context);
  try {
    const returned = handlerFn(event, ctx, (err, value) => (err ? fail(id, err) : succeed(id, value)));
    if (returned && typeof returned.then === 'function') {
      returned.then((value) => succeed(id, value), (err) => fail(id, err));
    } else if (handlerFn.length < 3) {
      // A synchronous handler without a callback parameter: its return value is the result.
      succeed(id, returned);
    }
  } catch (err) {
    fail(id, err);
  }
}

process.on('message', (message) => {
  if (message?.t === 'invoke') void invoke(message);
  else if (message?.t === 'env') Object.assign(process.env, message.env);
});

// An error that escapes the handler ends the runtime, as in Lambda; the invocation reports it.
process.on('uncaughtException', (err) => {
  if (current) fail(current.id, err, undefined, true);
  else console.error(format('Uncaught exception outside an invocation:', err));
  process.exit(129);
});
process.on('unhandledRejection', (reason) => {
  const err = reason instanceof Error ? reason : new Error(String(reason));
  if (current) {
    finish(current.id, {
      ok: false,
      fatal: true,
      error: {
        errorType: 'Runtime.UnhandledPromiseRejection',
        errorMessage: `${err.name}: ${err.message}`,
        trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
      },
    });
  } else {
    console.error(format('Unhandled promise rejection outside an invocation:', err));
  }
  process.exit(128);
});

// The local cloud went away: nothing will ever invoke this process again.
process.on('disconnect', () => process.exit(0));

send({ t: 'ready' });
