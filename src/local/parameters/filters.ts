import { SsmError } from './errors.js';
import { isUnderPath } from './parameter_names.js';
import { current, PARAMETER_TIERS, PARAMETER_TYPES, type StoredParameter } from './parameter_store.js';
import type { WireInput } from './wire_input.js';

type Predicate = (p: StoredParameter) => boolean;

/** The `ParameterFilters` keys and options each operation accepts, as SSM documents them. */
const BY_PATH_KEYS: Record<string, string[]> = { Type: ['Equals'], KeyId: ['Equals', 'BeginsWith'], Label: ['Equals'] };
const DESCRIBE_KEYS: Record<string, string[]> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Path: ['Recursive', 'OneLevel'],
  Type: ['Equals', 'BeginsWith'],
  KeyId: ['Equals', 'BeginsWith'],
  Tier: ['Equals', 'BeginsWith'],
  DataType: ['Equals'],
  Label: ['Equals'],
};

function matchText(option: string, actual: string | undefined, values: string[]): boolean {
  if (actual === undefined) return false;
  if (option === 'BeginsWith') return values.some((v) => actual.startsWith(v));
  if (option === 'Contains') return values.some((v) => actual.includes(v));
  return values.includes(actual);
}

function stringFilter(f: WireInput, keys: Record<string, string[]>): Predicate {
  const key = f.requiredString('Key');
  const options = keys[key];
  if (!options) {
    throw new SsmError('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [${Object.keys(keys).join(', ')}].`);
  }
  const option = f.string('Option') ?? (key === 'Path' ? 'OneLevel' : 'Equals');
  if (!options.includes(option)) {
    throw new SsmError('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [${options.join(', ')}].`);
  }
  const values = f.stringList('Values') ?? [];
  if (values.length === 0 && key !== 'Label') throw new SsmError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
  if (key === 'Type' && option === 'Equals') {
    const bad = values.find((v) => !(PARAMETER_TYPES as readonly string[]).includes(v));
    if (bad) throw new SsmError('InvalidFilterValue', `The following filter value is not valid: ${bad}. Valid values include: [${PARAMETER_TYPES.join(', ')}].`);
  }
  if (key === 'Tier' && option === 'Equals') {
    const bad = values.find((v) => !(PARAMETER_TIERS as readonly string[]).includes(v));
    if (bad) throw new SsmError('InvalidFilterValue', `The following filter value is not valid: ${bad}. Valid values include: [${PARAMETER_TIERS.join(', ')}].`);
  }
  switch (key) {
    case 'Name':
      // Names are matched with or without their leading slash, as SSM does.
      return (p) => matchText(option, p.name, values) || matchText(option, p.name.replace(/^\//, ''), values.map((v) => v.replace(/^\//, '')));
    case 'Path':
      return (p) => values.some((v) => isUnderPath(p.name, v, option === 'Recursive'));
    case 'Type':
      return (p) => matchText(option, current(p).type, values);
    case 'KeyId':
      return (p) => matchText(option, current(p).keyId, values);
    case 'Tier':
      return (p) => matchText(option, current(p).tier, values);
    case 'DataType':
      return (p) => matchText(option, current(p).dataType, values);
    default:
      return (p) => p.versions.some((v) => v.labels.some((l) => values.includes(l)));
  }
}

/** GetParametersByPath's `ParameterFilters`. */
export function byPathFilters(filters: WireInput[] | undefined): Predicate {
  const preds = (filters ?? []).map((f) => stringFilter(f, BY_PATH_KEYS));
  return (p) => preds.every((pred) => pred(p));
}

/** DescribeParameters' `ParameterFilters`, or its older `Filters` (Name, Type, KeyId; never both). */
export function describeFilters(filters: WireInput[] | undefined, legacy: WireInput[] | undefined): Predicate {
  if (filters?.length && legacy?.length) {
    throw new SsmError('ValidationException', 'You can use either Filters or ParameterFilters in a single request.');
  }
  const preds = (filters ?? []).map((f) => stringFilter(f, DESCRIBE_KEYS));
  for (const f of legacy ?? []) {
    const key = f.requiredString('Key');
    if (!['Name', 'Type', 'KeyId'].includes(key)) {
      throw new SsmError('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [Name, Type, KeyId].`);
    }
    const values = f.stringList('Values');
    if (!values?.length) throw new SsmError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
    // The older filters match names by prefix.
    preds.push(key === 'Name' ? (p) => values.some((v) => p.name.startsWith(v)) : key === 'Type' ? (p) => values.includes(current(p).type) : (p) => values.includes(current(p).keyId ?? ''));
  }
  return (p) => preds.every((pred) => pred(p));
}
