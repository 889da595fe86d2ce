import { describe, expect, it } from 'vitest';
import { cryptoIds, ManualClock } from '../../../../src/local/core/clock.js';
import { silentLogger } from '../../../../src/local/core/logger.js';
import { FieldError } from '../../../../src/local/data/engine/errors.js';
import { Extensions, Util, newScope } from '../../../../src/local/data/engine/util/util.js';
import { CompiledTemplate } from '../../../../src/local/data/engine/vtl/compile.js';
import { VtlCompileError } from '../../../../src/local/data/engine/vtl/errors.js';

const util = new Util(new ManualClock(), cryptoIds, silentLogger);
const extensions = new Extensions(util);

function render(source: string, ctx: Record<string, unknown> = {}) {
  util.scope = newScope('AMAZON_COGNITO_USER_POOLS', 'Query', 'test');
  return CompiledTemplate.compile('t', source).render({ ctx: { args: {}, stash: {}, ...ctx }, util, extensions });
}

const out = (source: string, ctx?: Record<string, unknown>) => render(source, ctx).output;

describe('VTL rendering with AppSync (Velocity 1.7) semantics', () => {
  it('leaves a variable unchanged when #set gets null, as Velocity 1.7 does', () => {
    expect(out('#set($a = "x")#set($a = $ctx.args.missing)$a')).toBe('x');
  });

  it('renders a null reference as its own text and $! references as nothing', () => {
    expect(out('[$nothing.here][$!nothing][${missing}]')).toBe('[$nothing.here][][${missing}]');
  });

  it('treats only null and false as false (an empty string is true)', () => {
    expect(out('#if("")yes#{else}no#end #if($x)yes#{else}no#end #if(false)yes#{else}no#end')).toBe('yes no no');
  });

  it('counts #foreach iterations with $velocityCount and $foreach.hasNext()', () => {
    expect(out('#foreach($i in [1..3])$i:$velocityCount#if($foreach.hasNext()),#end#end')).toBe('1:1,2:2,3:3');
  });

  it('leaves a loop at #break and continues after it', () => {
    expect(out('#foreach($i in [1, 2, 3])#if($i == 2)#break#end$i#end|after')).toBe('1|after');
  });

  it('returns a value from #return without rendering the rest', () => {
    const r = render('a#return({"k": 1})b');
    expect(r.returned).toBe(true);
    expect(r.value).toEqual({ k: 1 });
  });

  it('interpolates references inside double quotes and keeps # literal there', () => {
    expect(out('#set($n = "id")#set($s = "#$n = :$n")$s')).toBe('#id = :id');
    expect(out("#set($s = '$literal')$s")).toBe('$literal');
  });

  it('dispatches Java methods on maps, lists and strings', () => {
    const tpl = [
      '#set($m = {})',
      '#set($old = $m.put("a", 1))',
      '$m.put("a", 2) $m.size() $m.containsKey("a") $m.keySet()',
      '#set($l = ["x"])$l.add("y") $l.contains("y") $l.size()',
      '#set($s = "a::b::c") $util.toJson($s.split("::"))',
      '#set($e = "AND x AND ") $e.replaceAll("AND $", "")',
    ].join('');
    expect(out(tpl)).toBe('1 1 true [a]true true 2 ["a","b","c"] AND x ');
  });

  it('prints maps and lists the way Java does', () => {
    expect(out('#set($m = {"a": [1, "b"], "c": {"d": true}})$m')).toBe('{a=[1, b], c={d=true}}');
  });

  it('does integer division on integers and compares values like Velocity', () => {
    expect(out('#set($x = 7 / 2)$x #if(1 == "1")eq#end #if($ctx.args.n == 3)three#end', { args: { n: 3 } })).toBe('3 eq three');
  });

  it('shares maps with the context so #set on a path changes $ctx', () => {
    const ctx = { args: { filter: null }, stash: {} };
    render('#set($ctx.args.filter = {"or": []})$util.qr($ctx.stash.put("k", "v"))', ctx);
    expect(ctx).toEqual({ args: { filter: { or: [] } }, stash: { k: 'v' } });
  });

  it('iterates entrySet entries with key and value', () => {
    expect(out('#set($m = {"a": 1, "b": 2})#foreach($e in $m.entrySet())$e.key=$e.value;#end')).toBe('a=1;b=2;');
  });

  it('raises $util.error as a field error carrying its type', () => {
    expect(() => render('$util.error("boom", "Custom", {"x": 1})')).toThrow(FieldError);
    try {
      render('$util.error("boom", "Custom")');
    } catch (e) {
      expect((e as FieldError).errorType).toBe('Custom');
      expect((e as FieldError).message).toBe('boom');
    }
  });

  it('raises $util.unauthorized with AppSync’s message for the current field', () => {
    expect(() => render('$util.unauthorized()')).toThrow('Not Authorized to access test on type Query');
  });

  it('reports a template that cannot be parsed with its line', () => {
    let err: unknown;
    try {
      CompiledTemplate.compile('bad', 'line one\n#if( $x \n#end');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VtlCompileError);
    expect((err as VtlCompileError).message).toMatch(/parse error/);
  });
});
