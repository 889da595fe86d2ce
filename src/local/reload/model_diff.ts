/**
 * Which services a new BackendModel changes. Each service is configured from a few parts of the
 * model (its slice below); a service whose slice is equal in both models keeps running untouched.
 * The slices are generous on purpose: reloading a service that did not need it costs a few
 * milliseconds, missing one serves a stale backend.
 */
import type { BackendModel } from '../assembly/model.js';
import type { ServiceName } from '../core/service.js';

type Part = keyof BackendModel;

/** The model parts each service reads (besides stackName, region and accountId, read by all). */
export const SERVICE_SLICES: Record<ServiceName, readonly Part[]> = {
  auth: ['auth', 'keys', 'iam'],
  data: ['data', 'auth', 'iam'],
  functions: ['functions', 'eventSourceMappings', 'schedules', 'iam', 'internalFunctions'],
  identity: ['auth', 'iam'],
  keys: ['keys', 'iam'],
  messaging: ['messaging', 'iam'],
  parameters: ['functions', 'iam'],
  queues: ['queues', 'eventSourceMappings', 'functions', 'iam'],
  storage: ['storage', 'functions', 'auth', 'iam', 'data'],
  sts: ['iam', 'auth'],
};

const COMMON: readonly Part[] = ['stackName', 'region', 'accountId'];

export interface ServiceChange {
  name: ServiceName;
  /** The parts of the model that differ, e.g. `['data']`. */
  parts: Part[];
}

/**
 * The services whose slice differs between `before` and `after`, in the order given. Paths inside
 * an assembly folder are compared relative to it, so a re-synthesis into a new folder changes only
 * what really changed (a function's code folder is named by its content hash).
 */
export function changedServices(before: BackendModel, after: BackendModel, names: readonly ServiceName[]): ServiceChange[] {
  const differing = differingParts(before, after);
  const out: ServiceChange[] = [];
  for (const name of names) {
    const slice = [...COMMON, ...(SERVICE_SLICES[name] ?? (Object.keys(after) as Part[]))];
    const parts = slice.filter((p) => differing.has(p));
    if (parts.length) out.push({ name, parts });
  }
  return out;
}

/** Every top-level part of the model whose content differs (assembly paths made relative). */
export function differingParts(before: BackendModel, after: BackendModel): Set<Part> {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as Part[]);
  keys.delete('assemblyDir');
  const out = new Set<Part>();
  for (const key of keys) {
    if (comparable(before[key], before.assemblyDir) !== comparable(after[key], after.assemblyDir)) out.add(key);
  }
  return out;
}

function comparable(value: unknown, assemblyDir: string): string {
  const json = JSON.stringify(value ?? null) ?? 'null';
  return assemblyDir ? json.split(JSON.stringify(assemblyDir).slice(1, -1)).join('<assembly>') : json;
}
