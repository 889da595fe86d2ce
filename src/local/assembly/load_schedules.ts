import { functionNameOf, num, whereOf, type LoadContext } from './context.js';
import type { ResourceNode } from './intrinsics.js';
import type { ScheduleModel, ScheduleTargetModel } from './model_schedules.js';

/**
 * What runs on a schedule: every AWS::Events::Rule with a ScheduleExpression (rules with only an
 * EventPattern are not schedules) and every AWS::Scheduler::Schedule, which is what
 * `defineFunction({ schedule })` synthesizes. Targets are resolved to the assembly's functions.
 * Expressions are kept as written: the functions service validates them and reports a bad one
 * without failing the backend. A schedule whose values cannot be resolved is skipped with a warning.
 */
export function loadSchedules(ctx: LoadContext): ScheduleModel[] {
  const out: ScheduleModel[] = [];
  for (const n of ctx.r.resources((t) => t === 'AWS::Events::Rule' || t === 'AWS::Scheduler::Schedule')) {
    try {
      const schedule = n.def.Type === 'AWS::Events::Rule' ? rule(ctx, n) : scheduler(ctx, n);
      if (schedule) out.push(schedule);
    } catch (err) {
      ctx.warnings.push(`schedule ${n.logicalId} (${n.def.Type} in ${n.stack.name}) skipped: ${(err as Error).message}`);
    }
  }
  return out;
}

function functionOf(ctx: LoadContext, arn: string): string | undefined {
  return ctx.functionsByName.get(functionNameOf(arn))?.logicalId;
}

function rule(ctx: LoadContext, n: ResourceNode): ScheduleModel | undefined {
  const { r } = ctx;
  const expression = r.propString(n, 'ScheduleExpression');
  if (expression === undefined) return undefined;
  const raw = (r.prop(n, 'Targets') as Record<string, unknown>[] | undefined) ?? [];
  const targets: ScheduleTargetModel[] = raw.map((t, i) => {
    const arn = r.string(t.Arn, whereOf(n, `Targets.${i}.Arn`));
    return {
      id: typeof t.Id === 'string' ? t.Id : `Target${i}`,
      arn,
      functionLogicalId: functionOf(ctx, arn),
      input: typeof t.Input === 'string' ? t.Input : undefined,
      inputPath: typeof t.InputPath === 'string' ? t.InputPath : undefined,
      inputTransformer: t.InputTransformer !== undefined || undefined,
    };
  });
  return {
    ...identity(ctx, n),
    service: 'events',
    expression,
    timeZone: 'UTC',
    description: r.propString(n, 'Description'),
    targets,
  };
}

/** What a rule and a schedule share: where they are, their physical name and ARN, their State. */
function identity(ctx: LoadContext, n: ResourceNode): Pick<ScheduleModel, 'logicalId' | 'stackName' | 'name' | 'arn' | 'enabled'> {
  const { r } = ctx;
  return {
    logicalId: n.logicalId,
    stackName: n.stack.name,
    name: String(r.ref(n.stack, n.logicalId)),
    arn: String(r.getAtt(n.stack, n.logicalId, 'Arn')),
    enabled: (r.propString(n, 'State') ?? 'ENABLED') === 'ENABLED',
  };
}

function scheduler(ctx: LoadContext, n: ResourceNode): ScheduleModel {
  const { r } = ctx;
  const expression = r.propString(n, 'ScheduleExpression');
  if (expression === undefined) ctx.r.fail(whereOf(n, 'ScheduleExpression'), null, 'a schedule needs a ScheduleExpression');
  const target = (r.prop(n, 'Target') as Record<string, unknown> | undefined) ?? {};
  const arn = r.string(target.Arn, whereOf(n, 'Target.Arn'));
  const window = r.prop(n, 'FlexibleTimeWindow') as { Mode?: string; MaximumWindowInMinutes?: unknown } | undefined;
  return {
    ...identity(ctx, n),
    service: 'scheduler',
    expression,
    timeZone: r.propString(n, 'ScheduleExpressionTimezone') ?? 'UTC',
    startDate: r.propString(n, 'StartDate'),
    endDate: r.propString(n, 'EndDate'),
    flexibleWindowMinutes: window?.Mode === 'FLEXIBLE' ? num(window.MaximumWindowInMinutes) : undefined,
    description: r.propString(n, 'Description'),
    targets: [
      {
        id: 'Target',
        arn,
        functionLogicalId: functionOf(ctx, arn),
        input: typeof target.Input === 'string' ? target.Input : undefined,
      },
    ],
  };
}
