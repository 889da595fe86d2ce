import type { BackendModel } from '../assembly/model.js';
import { newRequestId } from '../core/aws_errors.js';
import { verifyCaller } from '../core/caller.js';
import type { LocalService, ServiceContext } from '../core/service.js';
import { CorruptStateError } from '../core/persist.js';
import { SsmError } from './errors.js';
import { LockTimeoutError } from './file_lock.js';
import { OPERATIONS } from './handlers.js';
import { ParameterStore } from './parameter_store.js';
import { parametersSnapshot } from './snapshot.js';
import { WireInput } from './wire_input.js';

export const SSM_TARGET_PREFIX = 'AmazonSSM.';
/** A PutParameter carries at most 8 KB of value; filters and tags add little. */
const MAX_BODY_BYTES = 64 * 1024;

/** A `secret()` the backend's functions read, and whether the store has a value for it. */
export interface SecretStatus {
  name: string;
  /** Functions (friendly names) whose environment references it. */
  functions: string[];
  path: string;
  sharedPath?: string;
  set: boolean;
}

/** Every secret the model's functions reference, merged by SSM path. */
export function secretStatuses(model: Pick<BackendModel, 'functions'>, store: ParameterStore): SecretStatus[] {
  const byPath = new Map<string, SecretStatus>();
  for (const fn of model.functions) {
    for (const s of fn.secrets ?? []) {
      const entry = byPath.get(s.path) ?? { name: s.name, functions: [], path: s.path, sharedPath: s.sharedPath, set: false };
      entry.functions.push(fn.friendlyName ?? fn.functionName);
      entry.set = store.get(s.path) !== undefined || (s.sharedPath !== undefined && store.get(s.sharedPath) !== undefined);
      byPath.set(s.path, entry);
    }
  }
  return [...byPath.values()];
}

export interface ParametersService extends LocalService {
  readonly store: ParameterStore;
}

/**
 * SSM Parameter Store (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.*`): what Gen 2's function banner calls
 * at cold start to resolve `secret()` values (GetParameters, WithDecryption), and what a developer's
 * SDK or `npm run local:secret` writes. Every call is SigV4-verified and authorized by the caller's
 * role policies from the assembly.
 */
export function createParametersService(ctx: ServiceContext): ParametersService {
  const store = new ParameterStore(ctx.dataDir);
  const deps = { model: ctx.model, store, clock: ctx.clock };

  async function handle(req: Request, requestId: string): Promise<Response> {
    const operationName = (req.headers.get('x-amz-target') ?? '').slice(SSM_TARGET_PREFIX.length);
    if (req.method !== 'POST') throw new SsmError('UnknownOperationException', `SSM is called with POST ((local: got ${req.method}))`);
    const verified = await verifyCaller(req, {
      service: 'ssm',
      model: ctx.model,
      clock: ctx.clock,
      credentials: ctx.registry.tryGet('identity.credentials'),
      body: { maxBytes: MAX_BODY_BYTES },
    });
    if (!verified.ok) {
      const r = verified.rejection;
      switch (r.reason) {
        case 'body-too-large':
          throw new SsmError('ValidationException', `Request is too large ((local: over ${r.limitBytes} bytes))`, 413);
        case 'body-unreadable':
          throw r.error;
        case 'no-credential-store':
          throw new SsmError('UnrecognizedClientException', 'The security token included in the request is invalid. ((local: the identity service is not running))');
        case 'signature':
          throw new SsmError(r.error.json.type, r.error.message, r.error.json.status);
      }
    }
    const operation = Object.hasOwn(OPERATIONS, operationName) ? OPERATIONS[operationName] : undefined;
    if (!operation) {
      throw new SsmError(
        'UnknownOperationException',
        `Operation ${operationName || '(none)'} is not supported ((local: Parameter Store emulates ${Object.keys(OPERATIONS).join(', ')}))`,
      );
    }
    const input = WireInput.parse(verified.caller.body.toString('utf8'));
    const result = operation(deps, input, verified.caller);
    return new Response(JSON.stringify(result), {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
    });
  }

  return {
    name: 'parameters',
    store,
    snapshot: parametersSnapshot(store),
    matches(req) {
      return (req.headers.get('x-amz-target') ?? '').startsWith(SSM_TARGET_PREFIX);
    },
    async fetch(req) {
      const requestId = newRequestId();
      try {
        return await handle(req, requestId);
      } catch (err) {
        if (err instanceof SsmError) return err.toResponse(requestId);
        if (err instanceof LockTimeoutError) {
          return new SsmError('TooManyUpdates', `There are concurrent updates for a resource that supports one update at a time. ((local: ${err.message}))`).toResponse(requestId);
        }
        if (err instanceof CorruptStateError) return new SsmError('InternalServerError', err.message, 500).toResponse(requestId);
        throw err;
      } finally {
        if (req.body && !req.bodyUsed) await req.body.cancel().catch(() => {});
      }
    },
    async start() {
      // Reading once at start surfaces a corrupt store file in the banner instead of at the first call.
      store.list();
    },
    async reset() {
      store.clear();
    },
    async stop() {},
    views: {
      /** `GET /_local/parameters/secrets`: the backend's secrets and whether each is set (never the values). */
      secrets: () => ({ secrets: secretStatuses(ctx.model, store) }),
    },
    describe() {
      const lines: string[] = [];
      for (const s of secretStatuses(ctx.model, store)) {
        const used = `used by ${s.functions.join(', ')}`;
        lines.push(
          s.set
            ? `parameters: secret ${s.name} is set (${used})`
            : `parameters: secret ${s.name} is not set (${used}); its functions see Gen 2's placeholder until you run \`npm run local:secret -- set ${s.name}\``,
        );
      }
      return lines;
    },
  };
}
