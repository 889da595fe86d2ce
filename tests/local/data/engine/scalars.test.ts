import { describe, expect, it } from 'vitest';
import { appSyncScalars } from '../../../../src/local/data/engine/scalars.js';

const scalar = (name: string) => appSyncScalars.find((s) => s.name === name)!;

describe('AppSync scalars', () => {
  it('accepts and rejects date-times as AppSync does', () => {
    const t = scalar('AWSDateTime');
    expect(t.parseValue('2026-01-01T00:00:00.000Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(t.parseValue('2026-01-01T10:20+01:00')).toBe('2026-01-01T10:20+01:00');
    expect(() => t.parseValue('2026-01-01T00:00:00')).toThrow(/Invalid AWSDateTime/);
    expect(() => t.parseValue('2026-02-30T00:00:00Z')).toThrow(/Invalid AWSDateTime/);
  });

  it('validates dates, times, emails, URLs, phones and IP addresses', () => {
    expect(scalar('AWSDate').parseValue('2026-12-31')).toBe('2026-12-31');
    expect(() => scalar('AWSDate').parseValue('2026-13-01')).toThrow();
    expect(scalar('AWSTime').parseValue('23:59:59.999')).toBe('23:59:59.999');
    expect(() => scalar('AWSEmail').parseValue('not-an-email')).toThrow();
    expect(() => scalar('AWSURL').parseValue('example.com')).toThrow();
    expect(scalar('AWSURL').parseValue('https://example.com/a')).toBe('https://example.com/a');
    expect(scalar('AWSPhone').parseValue('+1 (206) 555-0100')).toBe('+1 (206) 555-0100');
    expect(scalar('AWSIPAddress').parseValue('10.0.0.1/8')).toBe('10.0.0.1/8');
    expect(() => scalar('AWSIPAddress').parseValue('999.0.0.1')).toThrow();
  });

  it('parses AWSJSON input for resolvers and serializes maps back to JSON text', () => {
    const t = scalar('AWSJSON');
    expect(t.parseValue('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(() => t.parseValue('{nope')).toThrow(/not valid JSON/);
    expect(t.serialize({ a: 1 })).toBe('{"a":1}');
    expect(t.serialize('{"a":1}')).toBe('{"a":1}');
  });

  it('takes AWSTimestamp as whole seconds', () => {
    expect(scalar('AWSTimestamp').parseValue(1700000000)).toBe(1700000000);
    expect(() => scalar('AWSTimestamp').parseValue(1.5)).toThrow();
  });
});
