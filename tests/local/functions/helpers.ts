import { fileURLToPath } from 'node:url';
import type { BackendModel, FunctionModel, RoleModel } from '../../../src/local/assembly/model.js';
import { cryptoIds, type Clock, type ManualClock } from '../../../src/local/core/clock.js';
import type { Logger } from '../../../src/local/core/logger.js';
import type { CredentialStore, IssuedCredentials, Registry } from '../../../src/local/core/registry.js';
import type { ServiceContext } from '../../../src/local/core/service.js';
import { serviceContext, type MemoryOutbox } from '../../helpers/service_context.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/functions/', import.meta.url));
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

/** A function of the fixture folder: `handler` picks the file (`ok.handler` → ok.mjs). */
export function fixtureFunction(name: string, overrides: Partial<FunctionModel> = {}): FunctionModel {
  const functionName = `amplify-test-${name}-lambda`;
  return {
    logicalId: `${name}Lambda`,
    functionName,
    friendlyName: name,
    handler: `${name}.handler`,
    runtime: 'nodejs22.x',
    timeoutSeconds: 10,
    memoryMB: 256,
    environment: {},
    codeDir: FIXTURES,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}-role`,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    ...overrides,
  };
}

export function testModel(overrides: Partial<BackendModel> = {}): BackendModel {
  return {
    stackName: 'amplify-functions-test',
    region: REGION,
    accountId: ACCOUNT,
    assemblyDir: '/nonexistent',
    functions: [],
    eventSourceMappings: [],
    iam: { roles: [] },
    messaging: { pinpointApps: [], kinesisStreams: [] },
    stackOutputs: {},
    customOutputs: {},
    ...overrides,
  };
}

export function role(name: string, statements: RoleModel['statements']): RoleModel {
  return { logicalId: `${name}Role`, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name, statements };
}

/** Issues and looks up credentials like the identity service, counting what it issued. */
export class FakeCredentialStore implements CredentialStore {
  readonly issued: IssuedCredentials[] = [];
  private readonly byKey = new Map<string, IssuedCredentials>();

  constructor(private readonly clock: Clock) {}

  lookup(accessKeyId: string): IssuedCredentials | undefined {
    return this.byKey.get(accessKeyId);
  }

  issueForRole(roleArn: string, functionName: string, ttlSeconds: number): IssuedCredentials {
    const n = this.issued.length + 1;
    const creds: IssuedCredentials = {
      accessKeyId: `ASIALOCAL${String(n).padStart(11, '0')}`,
      secretAccessKey: `secret-${n}-${cryptoIds.uuid()}`,
      sessionToken: `token-${n}-${cryptoIds.uuid()}`,
      expiration: this.clock.now() + ttlSeconds * 1000,
      roleArn,
      kind: 'function',
      functionName,
    };
    this.issued.push(creds);
    this.byKey.set(creds.accessKeyId, creds);
    return creds;
  }

  /** Credentials for an identity-pool role (a signed-in app user). */
  issueForIdentity(roleArn: string, kind: 'authenticated' | 'unauthenticated' = 'authenticated'): IssuedCredentials {
    const creds = this.issueForRole(roleArn, '', 3600);
    creds.kind = kind;
    delete creds.functionName;
    creds.identityId = `${REGION}:00000000-0000-4000-8000-${String(this.issued.length).padStart(12, '0')}`;
    return creds;
  }
}

/** A logger that keeps every line with its prefix, for assertions on what the console shows. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: { level: 'info' | 'warn' | 'error'; prefix: string; msg: string }[] = [],
    private readonly prefix = '',
  ) {}
  info(msg: string): void {
    this.lines.push({ level: 'info', prefix: this.prefix, msg });
  }
  warn(msg: string): void {
    this.lines.push({ level: 'warn', prefix: this.prefix, msg });
  }
  error(msg: string): void {
    this.lines.push({ level: 'error', prefix: this.prefix, msg });
  }
  child(prefix: string): Logger {
    return new RecordingLogger(this.lines, this.prefix ? `${this.prefix}:${prefix}` : prefix);
  }
}

export interface TestContext {
  ctx: ServiceContext;
  clock: ManualClock;
  registry: Registry;
  credentials: FakeCredentialStore;
  log: RecordingLogger;
  outbox: MemoryOutbox;
  cleanup(): void;
}

/** A ServiceContext with a temp data dir, a manual clock and a fake identity service. */
export function testContext(model: BackendModel, opts: { endpoint?: string; withCredentials?: boolean } = {}): TestContext {
  const log = new RecordingLogger();
  const { ctx, registry, outbox, clock, cleanup } = serviceContext({ name: 'functions', model, endpoint: opts.endpoint, log });
  const credentials = new FakeCredentialStore(clock);
  if (opts.withCredentials !== false) registry.provide('identity.credentials', credentials);
  return { ctx, clock, registry, credentials, log, outbox, cleanup };
}
