import type { BackendModel, RoleModel } from '../assembly/model.js';
import type { Caller } from '../core/caller.js';
import type { Clock } from '../core/clock.js';
import { assumedRoleArn, callerUserId, roleId } from '../core/iam_authorize.js';
import type { CredentialStore, IssuedCredentials, Peers } from '../core/registry.js';
import { evaluateTrust, type TrustPrincipal } from './trust.js';
import { verifyWebIdentity } from './web_identity.js';
import { isoSeconds, StsError, validationError, xmlResult } from './wire.js';

export interface StsDeps {
  model: BackendModel;
  clock: Clock;
  peers: Peers;
  credentials(): CredentialStore | undefined;
}

type Params = Map<string, string>;

/** AWS's default role session and MaxSessionDuration. */
const DEFAULT_DURATION_SECONDS = 3600;
/** A role session assuming another role (role chaining) gets at most an hour. */
const CHAINED_MAX_SECONDS = 3600;

export function getCallerIdentity(deps: StsDeps, caller: Caller): Response {
  const creds = caller.credentials;
  return xmlResult('GetCallerIdentity', {
    Arn: assumedRoleArn(deps.model, creds),
    UserId: callerUserId(deps.model, creds),
    Account: deps.model.accountId,
  });
}

function required(params: Params, name: string, field: string): string {
  const v = params.get(name);
  if (v === undefined) throw validationError(field, undefined, 'Member must not be null');
  return v;
}

function checkLength(value: string, field: string, min: number, max: number): void {
  if (value.length < min) throw validationError(field, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw validationError(field, value, `Member must have length less than or equal to ${max}`);
}

interface CommonInput {
  roleArn: string;
  sessionName: string;
  requestedSeconds?: number;
}

/** RoleArn, RoleSessionName, DurationSeconds as STS validates them; session policies are refused. */
function commonInput(params: Params): CommonInput {
  const roleArn = required(params, 'RoleArn', 'roleArn');
  checkLength(roleArn, 'roleArn', 20, 2048);
  const sessionName = required(params, 'RoleSessionName', 'roleSessionName');
  checkLength(sessionName, 'roleSessionName', 2, 64);
  if (!/^[\w+=,.@-]*$/.test(sessionName)) throw validationError('roleSessionName', sessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
  let requestedSeconds: number | undefined;
  const raw = params.get('DurationSeconds');
  if (raw !== undefined) {
    requestedSeconds = Number(raw);
    if (!/^\d+$/.test(raw)) throw validationError('durationSeconds', raw, 'Member must be a whole number of seconds');
    if (requestedSeconds < 900) throw validationError('durationSeconds', raw, 'Member must have value greater than or equal to 900');
    if (requestedSeconds > 43200) throw validationError('durationSeconds', raw, 'Member must have value less than or equal to 43200');
  }
  for (const name of ['Policy', 'PolicyArns.member.1.arn']) {
    if (params.has(name)) {
      throw new StsError(400, 'ValidationError', `${name.split('.')[0]} is not supported ((local: session policies are not emulated; the session gets the role's policies))`);
    }
  }
  return { roleArn, sessionName, requestedSeconds };
}

function durationFor(role: RoleModel, input: CommonInput, chained: boolean): number {
  const seconds = input.requestedSeconds ?? DEFAULT_DURATION_SECONDS;
  if (chained && seconds > CHAINED_MAX_SECONDS) {
    throw new StsError(400, 'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (seconds > (role.maxSessionDurationSeconds ?? DEFAULT_DURATION_SECONDS)) {
    throw new StsError(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  return seconds;
}

function sessionStore(deps: StsDeps): CredentialStore & Required<Pick<CredentialStore, 'issueForSession'>> {
  const store = deps.credentials();
  if (!store?.issueForSession) throw new StsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid. ((local: the identity service, which issues credentials, is not running))');
  return store as CredentialStore & Required<Pick<CredentialStore, 'issueForSession'>>;
}

function credentialsXml(creds: IssuedCredentials) {
  return {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey,
    SessionToken: creds.sessionToken,
    Expiration: isoSeconds(creds.expiration),
  };
}

function assumedRoleUser(deps: StsDeps, creds: IssuedCredentials) {
  return { Arn: assumedRoleArn(deps.model, creds), AssumedRoleId: `${roleId(creds.roleArn)}:${creds.sessionName}` };
}

export function assumeRole(deps: StsDeps, caller: Caller, params: Params): Response {
  const input = commonInput(params);
  const creds = caller.credentials;
  const callerArn = assumedRoleArn(deps.model, creds);
  const denied = () => new StsError(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${input.roleArn}`);
  // An unknown role is refused like a forbidden one: STS does not say which roles exist.
  const role = deps.model.iam.roles.find((r) => r.arn === input.roleArn);
  if (!role) throw denied();

  const who: TrustPrincipal = {
    type: 'AWS',
    accountId: deps.model.accountId,
    arns: creds.kind === 'account' ? [callerArn] : [creds.roleArn, callerArn],
  };
  const externalId = params.get('ExternalId');
  const sourceIdentity = params.get('SourceIdentity');
  const context: Record<string, string | undefined> = {
    'aws:PrincipalArn': creds.kind === 'account' ? callerArn : creds.roleArn,
    'aws:PrincipalAccount': deps.model.accountId,
    'aws:userid': callerUserId(deps.model, creds),
    ...(externalId !== undefined ? { 'sts:ExternalId': externalId } : {}),
    ...(sourceIdentity !== undefined ? { 'sts:SourceIdentity': sourceIdentity } : {}),
    'sts:RoleSessionName': input.sessionName,
  };
  const trust = evaluateTrust(role, 'sts:AssumeRole', who, context);
  if (trust === 'deny') throw denied();
  if (trust === 'allow-if-identity-policy-allows' && !caller.authorize('sts:AssumeRole', role.arn).allowed) throw denied();

  const chained = creds.kind !== 'account';
  const seconds = durationFor(role, input, chained);
  const session = sessionStore(deps).issueForSession({ roleArn: role.arn, sessionName: input.sessionName, chained }, seconds);
  return xmlResult('AssumeRole', {
    ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
    AssumedRoleUser: assumedRoleUser(deps, session),
    Credentials: credentialsXml(session),
  });
}

export async function assumeRoleWithWebIdentity(deps: StsDeps, params: Params): Promise<Response> {
  const input = commonInput(params);
  const token = required(params, 'WebIdentityToken', 'webIdentityToken');
  checkLength(token, 'webIdentityToken', 4, 20000);
  const identity = await verifyWebIdentity(token, {
    peers: deps.peers,
    region: deps.model.region,
    accountId: deps.model.accountId,
    nowMs: deps.clock.now(),
  });
  const denied = () => new StsError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const role = deps.model.iam.roles.find((r) => r.arn === input.roleArn);
  if (!role) throw denied();
  const trust = evaluateTrust(role, 'sts:AssumeRoleWithWebIdentity', { type: 'Federated', providers: identity.providers }, {
    ...identity.context,
    'sts:RoleSessionName': input.sessionName,
  });
  // A federated principal has no identity policy to delegate to: only a direct grant counts.
  if (trust !== 'allow') throw denied();

  const seconds = durationFor(role, input, false);
  const session = sessionStore(deps).issueForSession(
    {
      roleArn: role.arn,
      sessionName: input.sessionName,
      ...(identity.identityId ? { identityId: identity.identityId, identityPoolId: identity.identityPoolId } : {}),
    },
    seconds,
  );
  return xmlResult('AssumeRoleWithWebIdentity', {
    SubjectFromWebIdentityToken: identity.subject,
    Audience: identity.audience,
    AssumedRoleUser: assumedRoleUser(deps, session),
    Credentials: credentialsXml(session),
    Provider: identity.issuer,
  });
}
