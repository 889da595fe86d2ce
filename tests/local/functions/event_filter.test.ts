import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { compileFilterCriteria, compilePattern, FilterPatternError } from '../../../src/local/functions/event_filter.js';

const insert = {
  eventID: '1',
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'us-east-1',
  dynamodb: {
    Keys: { id: { S: 'p1' } },
    NewImage: {
      id: { S: 'p1' },
      status: { S: 'PENDING' },
      title: { S: 'Hello world' },
      flagged: { BOOL: false },
      tags: { L: [{ S: 'a' }, { S: 'b' }] },
    },
    SequenceNumber: '100',
  },
};
const modify = { ...insert, eventName: 'MODIFY' };

/** What CDK writes into the template for `FilterCriteria.filter(...)`. */
function cdkPattern(filter: Record<string, unknown>): string {
  return FilterCriteria.filter(filter).pattern as string;
}

describe('Lambda event filter patterns', () => {
  it('matches the pattern FilterRule.isEqual produces for the event name', () => {
    const pattern = cdkPattern({ eventName: FilterRule.isEqual('INSERT') });
    expect(pattern).toBe('{"eventName":["INSERT"]}');
    const p = compilePattern(pattern);
    expect(p(insert)).toBe(true);
    expect(p(modify)).toBe(false);
  });

  it('matches nested DynamoDB attribute values, booleans included', () => {
    const p = compilePattern(cdkPattern({ dynamodb: { NewImage: { flagged: { BOOL: FilterRule.isEqual(false) } } } }));
    expect(p(insert)).toBe(true);
    expect(p({ ...insert, dynamodb: { ...insert.dynamodb, NewImage: { flagged: { BOOL: true } } } })).toBe(false);
  });

  it('treats alternatives in one list as OR and separate keys as AND', () => {
    const p = compilePattern('{"eventName":["INSERT","MODIFY"],"dynamodb":{"NewImage":{"status":{"S":["PUBLISHED"]}}}}');
    expect(p(insert)).toBe(false);
    const published = { ...modify, dynamodb: { ...insert.dynamodb, NewImage: { status: { S: 'PUBLISHED' } } } };
    expect(p(published)).toBe(true);
  });

  it('matches a prefix and a suffix, optionally ignoring case', () => {
    expect(compilePattern(cdkPattern({ dynamodb: { NewImage: { title: { S: FilterRule.beginsWith('Hello') } } } }))(insert)).toBe(true);
    expect(compilePattern('{"dynamodb":{"NewImage":{"title":{"S":[{"prefix":"hello"}]}}}}')(insert)).toBe(false);
    expect(compilePattern('{"dynamodb":{"NewImage":{"title":{"S":[{"prefix":{"equals-ignore-case":"hello"}}]}}}}')(insert)).toBe(true);
    expect(compilePattern('{"dynamodb":{"NewImage":{"title":{"S":[{"suffix":"world"}]}}}}')(insert)).toBe(true);
    expect(compilePattern('{"dynamodb":{"NewImage":{"title":{"S":[{"equals-ignore-case":"HELLO WORLD"}]}}}}')(insert)).toBe(true);
  });

  it('excludes values with anything-but', () => {
    const p = compilePattern(cdkPattern({ eventName: FilterRule.notEquals('REMOVE') }));
    expect(p(insert)).toBe(true);
    expect(p({ ...insert, eventName: 'REMOVE' })).toBe(false);
    const prefix = compilePattern('{"eventName":[{"anything-but":{"prefix":"IN"}}]}');
    expect(prefix(insert)).toBe(false);
    expect(prefix(modify)).toBe(true);
  });

  it('tests presence with exists', () => {
    const has = compilePattern(cdkPattern({ dynamodb: { NewImage: { status: { S: FilterRule.exists() } } } }));
    const hasNot = compilePattern(cdkPattern({ dynamodb: { OldImage: { status: { S: FilterRule.notExists() } } } }));
    expect(has(insert)).toBe(true);
    expect(has({ ...insert, dynamodb: { NewImage: {} } })).toBe(false);
    expect(hasNot(insert)).toBe(true);
    expect(hasNot({ ...insert, dynamodb: { OldImage: { status: { S: 'X' } } } })).toBe(false);
  });

  it('compares numbers and ranges, never numeric strings', () => {
    const between = compilePattern(cdkPattern({ size: FilterRule.between(1, 10) }));
    expect(between({ size: 5 })).toBe(true);
    expect(between({ size: 1 })).toBe(false);
    expect(between({ size: 10 })).toBe(true);
    expect(between({ size: '5' })).toBe(false);
    expect(compilePattern(cdkPattern({ size: FilterRule.isEqual(3) }))({ size: 3 })).toBe(true);
  });

  it('matches null and empty values', () => {
    expect(compilePattern('{"owner":[null]}')({ owner: null })).toBe(true);
    expect(compilePattern('{"owner":[null]}')({ owner: 'x' })).toBe(false);
    expect(compilePattern(cdkPattern({ owner: FilterRule.empty() }))({ owner: '' })).toBe(true);
  });

  it('matches when any element of an array value matches', () => {
    expect(compilePattern('{"tags":["b"]}')({ tags: ['a', 'b'] })).toBe(true);
    expect(compilePattern('{"tags":["c"]}')({ tags: ['a', 'b'] })).toBe(false);
  });

  it('supports $or between sub-patterns', () => {
    const p = compilePattern('{"$or":[{"eventName":["REMOVE"]},{"dynamodb":{"NewImage":{"status":{"S":["PENDING"]}}}}]}');
    expect(p(insert)).toBe(true);
    expect(p({ ...insert, dynamodb: { NewImage: { status: { S: 'DONE' } } } })).toBe(false);
  });

  it('lets a record through when any filter of the criteria matches, and everything when there is none', () => {
    const criteria = compileFilterCriteria(['{"eventName":["REMOVE"]}', '{"eventName":["INSERT"]}']);
    expect(criteria(insert)).toBe(true);
    expect(criteria(modify)).toBe(false);
    expect(compileFilterCriteria([])(modify)).toBe(true);
  });

  it('rejects patterns Lambda would refuse', () => {
    for (const bad of ['not json', '[1]', '{"a":"x"}', '{"a":[{"numeric":[">"]}]}', '{"a":[{"bogus":1}]}', '{"a":[{"exists":"yes"}]}', '{"$or":[{"a":["x"]}]}']) {
      expect(() => compilePattern(bad), bad).toThrow(FilterPatternError);
    }
  });
});
