import type { ScheduleModel, ScheduleTargetModel } from '../assembly/model.js';
import { setTimer, type Clock, type IdSource, type Timer } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { inputProblem, scheduledEvent } from './scheduled_event.js';
import { checkTimeZone, nextFireTime, parseScheduleExpression, ScheduleExpressionError, type ScheduleExpression } from './schedule_expression.js';

/** How one run of a target ended (after Lambda's retries of an asynchronous invocation). */
export interface ScheduledRunOutcome {
  requestId: string;
  ok: boolean;
  errorType?: string;
  errorMessage?: string;
}

export interface ScheduledRun {
  /** ISO 8601 fire time. */
  at: string;
  manual: boolean;
  target: string;
  function: string;
  outcome?: 'success' | 'error' | 'running';
  requestId?: string;
  errorType?: string;
  errorMessage?: string;
}

/** A schedule as the admin API lists it. */
export interface ScheduleView {
  name: string;
  logicalId: string;
  type: 'AWS::Events::Rule' | 'AWS::Scheduler::Schedule';
  arn: string;
  expression: string;
  timeZone: string;
  state: 'ENABLED' | 'DISABLED';
  functions: string[];
  /** ISO 8601, or null when it will not fire (disabled, invalid, past, or ended). */
  nextFireTime: string | null;
  /** Runs still going. */
  running: number;
  lastRun?: ScheduledRun;
  /** Why it does not run, when it cannot. */
  problem?: string;
}

export interface SchedulesOptions {
  schedules: ScheduleModel[];
  clock: Clock;
  ids: IdSource;
  region: string;
  accountId: string;
  log: Logger;
  /** The display name of a local function (by logical id), or undefined when it is not one. */
  functionName(logicalId: string): string | undefined;
  /** Invokes the function asynchronously, as EventBridge does, and resolves with how it ended. */
  invoke(functionLogicalId: string, event: unknown): Promise<ScheduledRunOutcome>;
}

interface Job {
  model: ScheduleModel;
  expr?: ScheduleExpression;
  problem?: string;
  targets: ScheduleTargetModel[];
  anchor: number;
  next?: number;
  timer?: Timer;
  /** Runs still going, per target id. */
  running: Map<string, number>;
  lastRun?: ScheduledRun;
}

const typeOf = (s: ScheduleModel) => (s.service === 'events' ? 'AWS::Events::Rule' : 'AWS::Scheduler::Schedule') as ScheduleView['type'];
const iso = (ms: number) => new Date(ms).toISOString();
const dateOf = (text: string | undefined) => (text === undefined ? undefined : Date.parse(text));

/**
 * Fires EventBridge rules and Scheduler schedules on the injected clock and invokes their target
 * functions with EventBridge's event. A schedule whose expression or input AWS would reject is
 * reported (naming the resource) and left out; the rest of the backend runs as usual.
 */
export class Schedules {
  private readonly jobs: Job[] = [];
  private readonly notes: string[] = [];
  private started = false;

  constructor(private readonly opts: SchedulesOptions) {
    for (const model of opts.schedules) this.jobs.push(this.prepare(model));
  }

  private prepare(model: ScheduleModel): Job {
    const job: Job = { model, targets: [], anchor: 0, running: new Map() };
    const where = `${model.name} (${typeOf(model)} ${model.logicalId} in stack ${model.stackName})`;
    try {
      const expr = parseScheduleExpression(model.expression, model.service);
      if (model.service === 'scheduler') checkTimeZone(model.timeZone);
      for (const [label, text] of [['StartDate', model.startDate], ['EndDate', model.endDate]] as const) {
        if (text !== undefined && Number.isNaN(Date.parse(text))) throw new ScheduleExpressionError(`${label} "${text}" is not a date`);
      }
      job.expr = expr;
    } catch (err) {
      if (!(err instanceof ScheduleExpressionError)) throw err;
      job.problem = `invalid schedule: ${err.message}`;
      this.notes.push(`functions: schedule ${where} has an ${job.problem}; it will not fire`);
    }
    for (const target of model.targets) {
      const fn = target.functionLogicalId && this.opts.functionName(target.functionLogicalId);
      const problem = !fn ? `its target ${target.arn} is not a function of this backend` : inputProblem(model, target);
      if (problem) {
        this.notes.push(`functions: schedule ${where}: ${problem}; that target is not run`);
        continue;
      }
      if (target.inputTransformer) this.notes.push(`functions: schedule ${where}: the InputTransformer of target ${target.id} is not applied ((local: the full event is sent))`);
      job.targets.push(target);
    }
    if (job.targets.length === 0 && !job.problem) job.problem = 'no target is a function of this backend';
    if (model.flexibleWindowMinutes) {
      this.notes.push(`functions: schedule ${model.name} fires at the start of its ${model.flexibleWindowMinutes}-minute flexible window ((local: no random delay))`);
    }
    return job;
  }

  /** Arms every enabled, valid schedule from now on. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const now = this.opts.clock.now();
    for (const job of this.jobs) {
      job.anchor = dateOf(job.model.startDate) ?? now;
      this.arm(job, now);
    }
  }

  stop(): void {
    this.started = false;
    for (const job of this.jobs) {
      job.timer?.cancel();
      job.timer = undefined;
      job.next = undefined;
    }
  }

  private nextAfter(job: Job, after: number): number | undefined {
    if (!job.expr || !job.model.enabled || job.targets.length === 0) return undefined;
    const start = dateOf(job.model.startDate);
    const end = dateOf(job.model.endDate);
    const from = start !== undefined && start - 1 > after ? start - 1 : after;
    const next = nextFireTime(job.expr, from, { timeZone: job.model.timeZone, anchor: job.anchor, anchorFires: start !== undefined });
    return next !== undefined && (end === undefined || next <= end) ? next : undefined;
  }

  private arm(job: Job, after: number): void {
    job.next = this.nextAfter(job, after);
    if (job.next === undefined) return;
    const at = job.next;
    job.timer = setTimer(this.opts.clock, at, () => {
      job.timer = undefined;
      if (!this.started) return;
      // A clock that jumped (a machine waking from sleep) fires once, not once per missed time.
      this.arm(job, Math.max(at, this.opts.clock.now()));
      void this.fire(job, at, false);
    });
  }

  private async fire(job: Job, time: number, manual: boolean): Promise<ScheduledRun[]> {
    return Promise.all(job.targets.map((target) => this.runTarget(job, target, time, manual)));
  }

  private async runTarget(job: Job, target: ScheduleTargetModel, time: number, manual: boolean): Promise<ScheduledRun> {
    const fnName = this.opts.functionName(target.functionLogicalId!)!;
    const log = this.opts.log;
    const run: ScheduledRun = { at: iso(time), manual, target: target.id, function: fnName, outcome: 'running' };
    const running = job.running.get(target.id) ?? 0;
    if (running > 0) {
      // EventBridge does not wait for the previous run: it invokes again. Said, because it may surprise.
      log.warn(`schedule ${job.model.name}: the previous run of ${fnName} is still going; invoking again, as EventBridge does`);
    }
    job.running.set(target.id, running + 1);
    job.lastRun = run;
    try {
      const event = scheduledEvent(job.model, target, { time, id: this.opts.ids.uuid(), region: this.opts.region, account: this.opts.accountId });
      const outcome = await this.opts.invoke(target.functionLogicalId!, event);
      Object.assign(run, { requestId: outcome.requestId, outcome: outcome.ok ? 'success' : 'error', errorType: outcome.errorType, errorMessage: outcome.errorMessage });
      if (outcome.ok) log.info(`schedule ${job.model.name} → ${fnName} (${run.at}${manual ? ', run now' : ''}): ${outcome.requestId} succeeded`);
      else log.error(`schedule ${job.model.name} → ${fnName} (${run.at}${manual ? ', run now' : ''}): ${outcome.requestId} failed: ${outcome.errorType}: ${outcome.errorMessage}`);
    } catch (err) {
      Object.assign(run, { outcome: 'error', errorType: 'InvokeError', errorMessage: (err as Error).message });
      log.error(`schedule ${job.model.name} → ${fnName}: not invoked: ${(err as Error).message}`);
    } finally {
      job.running.set(target.id, (job.running.get(target.id) ?? 1) - 1);
    }
    return run;
  }

  private find(key: string): Job | undefined {
    return this.jobs.find((j) => j.model.name === key || j.model.logicalId === key || j.model.arn === key);
  }

  /**
   * Runs a schedule's targets now, whatever its state or expression (an "invoke now" for testing a
   * job by hand); resolves when the runs have ended. Undefined when no schedule has that name.
   */
  runNow(key: string): Promise<ScheduledRun[]> | undefined {
    const job = this.find(key);
    return job && this.fire(job, this.opts.clock.now(), true);
  }

  list(): ScheduleView[] {
    return this.jobs.map((job) => ({
      name: job.model.name,
      logicalId: job.model.logicalId,
      type: typeOf(job.model),
      arn: job.model.arn,
      expression: job.model.expression,
      timeZone: job.model.timeZone,
      state: job.model.enabled ? 'ENABLED' : 'DISABLED',
      functions: job.targets.map((t) => this.opts.functionName(t.functionLogicalId!)!),
      nextFireTime: job.next === undefined ? null : iso(job.next),
      running: [...job.running.values()].reduce((a, b) => a + b, 0),
      ...(job.lastRun ? { lastRun: { ...job.lastRun } } : {}),
      ...(job.problem ? { problem: job.problem } : {}),
    }));
  }

  /** Banner lines: one per schedule, then the problems. */
  describe(): string[] {
    const lines = this.jobs
      .filter((job) => !job.problem)
      .map((job) => {
        const when = !job.model.enabled ? 'DISABLED' : job.next !== undefined ? `next ${iso(job.next)}` : 'will not fire again';
        const zone = job.model.timeZone === 'UTC' ? '' : ` ${job.model.timeZone}`;
        const fns = job.targets.map((t) => this.opts.functionName(t.functionLogicalId!)).join(', ');
        return `functions: schedule ${job.model.expression}${zone} → ${fns} (${when})`;
      });
    return [...lines, ...this.notes];
  }

  clearHistory(): void {
    for (const job of this.jobs) job.lastRun = undefined;
  }
}
