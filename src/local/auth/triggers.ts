import type { CognitoTrigger, UserPoolModel } from '../assembly/model.js';
import type { Logger } from '../core/logger.js';
import type { Peers } from '../core/registry.js';
import { errors } from './errors.js';

/** Triggers this service invokes; the custom-auth trio and user migration are not emulated. */
const SUPPORTED: CognitoTrigger[] = [
  'PreSignUp', 'PostConfirmation', 'PreAuthentication', 'PostAuthentication', 'PreTokenGeneration', 'CustomMessage',
  'CustomEmailSender', 'CustomSMSSender',
];

export interface TriggerCall {
  trigger: CognitoTrigger;
  /** e.g. `PostConfirmation_ConfirmSignUp`. */
  triggerSource: string;
  userName: string;
  /** `CLIENT_ID_NOT_APPLICABLE` for admin calls, as Cognito sends. */
  clientId?: string;
  request: Record<string, unknown>;
  /** The trigger returns nothing Cognito reads (custom senders): any output is accepted. */
  noResponse?: boolean;
}

/**
 * Runs the pool's Lambda triggers through the `functions.invoker` capability with Cognito's event
 * shape. A function error becomes `UserLambdaValidationException: <Trigger> failed with error <msg>.`;
 * a failure to run it at all `UnexpectedLambdaException`; output without a `response` object
 * `InvalidLambdaResponseException` — the names the Amplify client surfaces.
 */
export class TriggerRunner {
  constructor(
    private readonly pool: UserPoolModel,
    private readonly region: string,
    private readonly registry: Peers,
    private readonly log: Logger,
  ) {}

  declared(trigger: CognitoTrigger): boolean {
    return this.pool.triggers[trigger] !== undefined;
  }

  /** The function a declared trigger runs, when the functions service can run it here; else undefined. */
  runnable(trigger: CognitoTrigger): string | undefined {
    const fn = this.pool.triggers[trigger];
    return fn && this.registry.tryGet('functions.invoker')?.has(fn) ? fn : undefined;
  }

  /** Banner notes: declared triggers this process will not run, and why. */
  describe(): string[] {
    const notes: string[] = [];
    const invoker = this.registry.tryGet('functions.invoker');
    for (const [trigger, fn] of Object.entries(this.pool.triggers) as [CognitoTrigger, string][]) {
      if (!SUPPORTED.includes(trigger)) {
        notes.push(`${trigger} trigger (${fn}) is declared but not emulated locally ((local: custom auth challenges and user migration are not implemented))`);
      } else if (!invoker) {
        notes.push(`${trigger} trigger (${fn}) is declared but NOT run locally: no functions service is running`);
      } else if (!invoker.has(fn)) {
        notes.push(`${trigger} trigger (${fn}) is declared but NOT run locally: the functions service does not know ${fn}`);
      } else {
        notes.push(`${trigger} trigger → ${fn}`);
      }
    }
    return notes;
  }

  /**
   * Invokes the trigger if declared and runnable; returns its `response` object, or undefined when
   * nothing ran (not declared, or no local runtime: then a warning is logged every time).
   */
  async run(call: TriggerCall): Promise<Record<string, unknown> | undefined> {
    const fn = this.pool.triggers[call.trigger];
    if (!fn) return undefined;
    const invoker = this.registry.tryGet('functions.invoker');
    if (!invoker || !invoker.has(fn)) {
      this.log.warn(`${call.triggerSource}: trigger ${fn} is declared but not run ((local: no local runtime for it))`);
      return undefined;
    }
    const event = {
      version: '1',
      region: this.region,
      userPoolId: this.pool.id,
      userName: call.userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: call.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
      triggerSource: call.triggerSource,
      request: call.request,
      response: {},
    };
    let result;
    try {
      result = await invoker.invoke(fn, event);
    } catch (err) {
      throw errors.unexpectedLambda(`${call.trigger} invocation failed due to error ${err instanceof Error ? err.message : String(err)}.`);
    }
    if (result.functionError) {
      const payload = (result.payload ?? {}) as { errorMessage?: unknown; errorType?: unknown };
      const message = typeof payload.errorMessage === 'string' ? payload.errorMessage : String(payload.errorType ?? 'Unhandled');
      throw errors.userLambdaValidation(`${call.trigger} failed with error ${message}.`);
    }
    if (call.noResponse) return {};
    const out = result.payload as { response?: unknown } | null;
    if (!out || typeof out !== 'object' || (out.response !== undefined && (typeof out.response !== 'object' || out.response === null))) {
      throw errors.invalidLambdaResponse('Unrecognizable lambda output');
    }
    return (out.response as Record<string, unknown> | undefined) ?? {};
  }
}
