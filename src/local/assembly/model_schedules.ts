/** Scheduled invocations: EventBridge rules with a ScheduleExpression and EventBridge Scheduler schedules. */

export interface ScheduleModel {
  logicalId: string;
  /** The stack's name and template file, for messages that point at the resource. */
  stackName: string;
  /** `events` for AWS::Events::Rule, `scheduler` for AWS::Scheduler::Schedule. */
  service: 'events' | 'scheduler';
  /** Local physical name (rule or schedule name). */
  name: string;
  /** The rule's or schedule's ARN: what a scheduled event's `resources` holds. */
  arn: string;
  /** As written: `rate(5 minutes)`, `cron(0 12 * * ? *)`, `at(2026-01-01T00:00:00)`. Not validated here. */
  expression: string;
  /** IANA zone the expression is evaluated in (ScheduleExpressionTimezone; rules: always UTC). */
  timeZone: string;
  /** State ENABLED (rules' and schedules' default); a disabled one never fires. */
  enabled: boolean;
  /** Scheduler's StartDate / EndDate (ISO 8601), when set. */
  startDate?: string;
  endDate?: string;
  /** Scheduler's FlexibleTimeWindow in minutes (Mode FLEXIBLE), when set. */
  flexibleWindowMinutes?: number;
  description?: string;
  targets: ScheduleTargetModel[];
}

export interface ScheduleTargetModel {
  /** The rule target's `Id` (Scheduler schedules have one target, `Target`). */
  id: string;
  arn: string;
  /** The function of the assembly the target invokes (undefined: not a local function). */
  functionLogicalId?: string;
  /** Constant input (JSON text): Scheduler's Target.Input, a rule target's Input. */
  input?: string;
  /** A rule target's InputPath (a JSONPath into the event). */
  inputPath?: string;
  /** True when a rule target uses an InputTransformer (not applied locally). */
  inputTransformer?: boolean;
}
