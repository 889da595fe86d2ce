import { SsmError, validationError } from './errors.js';

/** SSM's limits for a parameter name (the ARN-free part) and its hierarchy. */
const MAX_NAME_LENGTH = 2048;
const MAX_HIERARCHY_LEVELS = 15;

const NAME_RULES =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths ' +
  'divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

/** Throws SSM's ValidationException / HierarchyLevelLimitExceededException for a name PutParameter refuses. */
export function checkParameterName(name: string): void {
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    throw validationError([`Value '${name.slice(0, 64)}' at 'name' failed to satisfy constraint: Member must have length between 1 and ${MAX_NAME_LENGTH}`]);
  }
  if (name.includes('/') && !name.startsWith('/')) throw new SsmError('ValidationException', 'Parameter name must be a fully qualified name.');
  const segments = (name.startsWith('/') ? name.slice(1) : name).split('/');
  if (segments.some((s) => !/^[A-Za-z0-9_.-]+$/.test(s)) || /^(aws|ssm)/i.test(segments[0])) {
    throw new SsmError('ValidationException', NAME_RULES);
  }
  if (segments.length > MAX_HIERARCHY_LEVELS) {
    throw new SsmError(
      'HierarchyLevelLimitExceededException',
      `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html`,
    );
  }
}

/** `name`, `name:<version>` or `name:<label>`: what GetParameter(s) accept. */
export function parseSelector(text: string): { name: string; version?: number; label?: string } {
  const at = text.indexOf(':');
  if (at < 0) return { name: text };
  const name = text.slice(0, at);
  const selector = text.slice(at + 1);
  return /^\d+$/.test(selector) ? { name, version: Number(selector) } : { name, label: selector };
}

/** `arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>`, as IAM and the API name it. */
export function parameterArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter/${name.startsWith('/') ? name.slice(1) : name}`;
}

/** True when `name` lies under `path` (one level only unless `recursive`). `path` is `/` or `/a/b`. */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}
