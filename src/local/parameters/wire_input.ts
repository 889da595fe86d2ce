import { SsmError, validationError } from './errors.js';

/**
 * Reading one JSON 1.1 request body the way SSM's deserializer does: a member of the wrong JSON type
 * is a SerializationException, a missing required one a ValidationException naming its member.
 */
export class WireInput {
  constructor(private readonly body: Record<string, unknown>) {}

  static parse(text: string): WireInput {
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new SsmError('SerializationException', 'Start of structure or map found where not expected. ((local: the body is not JSON))');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SsmError('SerializationException', 'Start of structure or map found where not expected. ((local: the body must be a JSON object))');
    }
    return new WireInput(parsed as Record<string, unknown>);
  }

  private raw(member: string): unknown {
    const v = this.body[member];
    return v === null ? undefined : v;
  }

  private static wrongType(member: string, expected: string): SsmError {
    return new SsmError('SerializationException', `Unexpected value type for '${member}' ((local: expected ${expected}))`);
  }

  string(member: string): string | undefined {
    const v = this.raw(member);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw WireInput.wrongType(member, 'a string');
    return v;
  }

  requiredString(member: string): string {
    const v = this.string(member);
    if (v === undefined) throw validationError([`Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`]);
    return v;
  }

  boolean(member: string): boolean | undefined {
    const v = this.raw(member);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw WireInput.wrongType(member, 'a boolean');
    return v;
  }

  integer(member: string): number | undefined {
    const v = this.raw(member);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw WireInput.wrongType(member, 'an integer');
    return v;
  }

  stringList(member: string): string[] | undefined {
    const v = this.raw(member);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw WireInput.wrongType(member, 'a list of strings');
    return v as string[];
  }

  /** A list of structures (filters, tags). */
  list(member: string): WireInput[] | undefined {
    const v = this.raw(member);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => !s || typeof s !== 'object' || Array.isArray(s))) throw WireInput.wrongType(member, 'a list of structures');
    return (v as Record<string, unknown>[]).map((s) => new WireInput(s));
  }

  /** Names 1..10 of GetParameters / DeleteParameters. */
  names(member: string, max: number): string[] {
    const names = this.stringList(member);
    if (names === undefined) throw validationError([`Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`]);
    if (names.length < 1 || names.length > max) {
      throw validationError([
        `Value '[${names.join(', ')}]' at '${lowerFirst(member)}' failed to satisfy constraint: Member must have length less than or equal to ${max} and greater than or equal to 1`,
      ]);
    }
    return names;
  }

  /** MaxResults within SSM's bounds for the operation. */
  maxResults(max: number): number {
    const n = this.integer('MaxResults');
    if (n === undefined) return max;
    if (n < 1 || n > max) {
      throw validationError([`Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value ${n < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`]);
    }
    return n;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
