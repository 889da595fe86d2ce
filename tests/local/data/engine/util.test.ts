import { describe, expect, it } from 'vitest';
import { cryptoIds, ManualClock } from '../../../../src/local/core/clock.js';
import { silentLogger } from '../../../../src/local/core/logger.js';
import { matchesSubscriptionFilter, toDynamoDBExpression, toSubscriptionFilter } from '../../../../src/local/data/engine/util/transform.js';
import { Extensions, Util, newScope } from '../../../../src/local/data/engine/util/util.js';
import { CompiledTemplate } from '../../../../src/local/data/engine/vtl/compile.js';

const clock = new ManualClock(Date.UTC(2026, 2, 4, 5, 6, 7, 89));
const util = new Util(clock, cryptoIds, silentLogger);
const extensions = new Extensions(util);

function out(source: string, ctx: Record<string, unknown> = {}): string {
  util.scope = newScope('AMAZON_COGNITO_USER_POOLS', 'Query', 'f');
  return CompiledTemplate.compile('t', source).render({ ctx: { args: {}, stash: {}, ...ctx }, util, extensions }).output;
}

describe('$util', () => {
  it('tells null, empty and blank apart', () => {
    expect(out('$util.isNullOrEmpty(" ") $util.isNullOrBlank(" ") $util.isNullOrEmpty("") $util.isNull("") $util.isNullOrEmpty({}) $util.isNullOrEmpty(true)')).toBe(
      'false true true false true false',
    );
  });

  it('reads time from the injected clock', () => {
    expect(out('$util.time.nowISO8601() $util.time.nowEpochSeconds() $util.time.nowFormatted("yyyy-MM-dd HH:mm:ss Z")')).toBe(
      `2026-03-04T05:06:07.089Z ${Math.floor(clock.now() / 1000)} 2026-03-04 05:06:07 +0000`,
    );
    expect(out('$util.time.nowFormatted("yyyy-MM-dd HH:mm", "Europe/Paris")')).toBe('2026-03-04 06:06');
    expect(out('$util.time.parseISO8601ToEpochMilliSeconds("2026-03-04T05:06:07.089Z")')).toBe(String(clock.now()));
    expect(out('$util.time.parseFormattedToEpochMilliSeconds("2026-03-04 05:06:07+0000", "yyyy-MM-dd HH:mm:ssZ")')).toBe(String(clock.now() - 89));
  });

  it('has no methods named after what every object inherits (rendered as an unresolved reference)', () => {
    expect(out('#set($m = {"a":1})[$m.constructor()][$m.hasOwnProperty("a")]')).toBe('[$m.constructor()][$m.hasOwnProperty("a")]');
    expect(out('#set($s = "ab")#set($l = [1])[$s.constructor()][$s.valueOf()][$l.constructor()]')).toBe('[$s.constructor()][$s.valueOf()][$l.constructor()]');
  });

  it('makes ids of the documented shapes', () => {
    const [uuid, ulid, ksuid] = out('$util.autoId() $util.autoUlid() $util.autoKsuid()').split(' ');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ulid).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ksuid).toMatch(/^[0-9A-Za-z]{27}$/);
  });

  it('converts values to DynamoDB attribute values', () => {
    expect(out('$util.dynamodb.toMapValuesJson({"s": "x", "n": 2, "b": true, "l": [1], "z": $ctx.args.none})')).toBe(
      '{"s":{"S":"x"},"n":{"N":2},"b":{"BOOL":true},"l":{"L":[{"N":1}]},"z":{"NULL":true}}',
    );
    expect(JSON.parse(out('$util.dynamodb.toS3ObjectJson("k", "b", "us-east-1")'))).toEqual({ S: '{"s3":{"key":"k","bucket":"b","region":"us-east-1"}}' });
  });

  it('escapes JavaScript and URL-encodes like Java', () => {
    expect(out('$util.escapeJavaScript("a\'b\\"c/é")')).toBe("a\\'b\\\"c\\/\\u00E9");
    expect(out('$util.urlEncode("a b&c*")')).toBe('a+b%26c*');
    expect(out('$util.base64Decode($util.base64Encode("héllo"))')).toBe('héllo');
  });

  it('matches the whole string with $util.matches', () => {
    expect(out('$util.matches("a*b", "aaab") $util.matches("a", "ab")')).toBe('true false');
  });

  it('records appended errors without failing the render', () => {
    out('$util.appendError("careful", "Warn")done');
    expect(util.scope.errors).toEqual([{ message: 'careful', errorType: 'Warn', data: null, errorInfo: null }]);
  });

  it('records the subscription filter set by $extensions', () => {
    out('$extensions.setSubscriptionFilter($util.transform.toSubscriptionFilter({"title": {"eq": "a"}}))$util.toJson(null)');
    expect(util.scope.subscriptionFilter).toEqual({ filterGroup: [{ filters: [{ fieldName: 'title', operator: 'eq', value: 'a' }] }] });
  });
});

describe('$util.transform', () => {
  it('keeps expression values in condition expressions', () => {
    const e = toDynamoDBExpression({ and: [{ title: { eq: 'a' } }, { id: { attributeExists: true } }] });
    expect(e.expressionValues).toEqual({ ':and_0_title_eq': { S: 'a' } });
    expect(e.expressionNames).toEqual({ '#title': 'title', '#id': 'id' });
    expect(e.expression).toContain('attribute_exists(#id)');
  });

  it('adds no value for attributeExists filters', () => {
    const e = toDynamoDBExpression({ imageKey: { attributeExists: false } });
    expect(e).toEqual({ expression: '(attribute_not_exists(#imageKey))', expressionNames: { '#imageKey': 'imageKey' }, expressionValues: {} });
  });

  it('supports between, in, size, beginsWith and not', () => {
    const e = toDynamoDBExpression({ n: { between: [1, 3] }, s: { in: ['a', 'b'], size: { gt: 1 } }, not: { t: { beginsWith: 'x' } } });
    expect(e.expression).toBe('(#n BETWEEN :n_between_0 AND :n_between_1) AND (#s IN (:s_in_0, :s_in_1)) AND (size(#s) > :s_size_gt) AND (NOT (begins_with(#t, :not_t_beginsWith)))');
    expect(Object.keys(e.expressionValues)).toHaveLength(6);
  });

  it('refuses operator names an object inherits instead of writing them into the expression', () => {
    for (const op of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => toDynamoDBExpression({ title: { [op]: 'x' } }), op).toThrow(/Unsupported filter operator/);
      expect(() => toDynamoDBExpression({ title: { size: { [op]: 1 } } }), op).toThrow(/Unsupported size operator/);
    }
    expect(toDynamoDBExpression({ t: { attributeType: 'constructor' } }).expressionValues).toEqual({ ':t_attributeType': { S: 'constructor' } });
  });

  it('turns model filters into subscription filter groups (or of ands)', () => {
    const f = toSubscriptionFilter({ a: { eq: 1 }, or: [{ b: { eq: 2 } }, { c: { gt: 3 } }] });
    expect(f.filterGroup).toHaveLength(2);
    expect(matchesSubscriptionFilter(f, { a: 1, b: 2 })).toBe(true);
    expect(matchesSubscriptionFilter(f, { a: 1, c: 4 })).toBe(true);
    expect(matchesSubscriptionFilter(f, { a: 2, b: 2 })).toBe(false);
    expect(matchesSubscriptionFilter(toSubscriptionFilter({ t: { contains: 'ell' } }), { t: 'hello' })).toBe(true);
    expect(matchesSubscriptionFilter(toSubscriptionFilter({ t: { in: ['x', 'y'] } }), { t: 'z' })).toBe(false);
  });
});
