import { describe, expect, it } from 'vitest';
import { cryptoIds, ManualClock } from '../../../../src/local/core/clock.js';
import { silentLogger } from '../../../../src/local/core/logger.js';
import { Extensions, Util, newScope } from '../../../../src/local/data/engine/util/util.js';
import { CompiledTemplate } from '../../../../src/local/data/engine/vtl/compile.js';

const util = new Util(new ManualClock(), cryptoIds, silentLogger);
const extensions = new Extensions(util);

function out(source: string): string {
  util.scope = newScope('AMAZON_COGNITO_USER_POOLS', 'Query', 'f');
  return CompiledTemplate.compile('t', source).render({ ctx: { args: {}, stash: {} }, util, extensions }).output;
}

describe('$util.parseJson', () => {
  it('parses JSON documents', () => {
    expect(out('$util.parseJson(\'["a","b"]\').size() $util.parseJson(\'{"k":1}\').k')).toBe('2 1');
  });

  it("returns a generated owner claim (`sub::username`) unchanged, as the owner-auth templates expect", () => {
    expect(out('#set($c = "abc::def")$util.isList($util.parseJson($c)) $util.parseJson($c)')).toBe('false abc::def');
  });
});
