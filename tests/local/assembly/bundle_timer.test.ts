import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleLabel, bundleTimer } from '../../../src/local/assembly/bundle_timer.js';
import { until } from '../../helpers/until.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('bundle timer', () => {
  it('names a function by its construct path', () => {
    expect(bundleLabel('amplify-app-local-sandbox-0300a24c75/data/post-processor-lambda')).toBe('post-processor (data)');
    expect(bundleLabel('solo-lambda')).toBe('solo');
  });

  it('relabels the CDK bundling line and reports the time until the bundle lands in the output folder', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'bundle-timer-'));
    dirs.push(out);
    let now = 1000;
    const lines: string[] = [];
    const timer = bundleTimer(out, (l) => lines.push(l), () => now);
    try {
      expect(timer.line('Bundling asset amplify-x/function/worker-lambda/Code/Stage...')).toBe('bundling function worker (function) ...');
      expect(timer.line('some other output')).toBe('some other output');
      now = 3500;
      mkdirSync(path.join(out, 'asset.0123abcd'));
      await until(() => (lines.length ? lines : undefined), 5000, 'the bundle report');
      expect(lines).toEqual(['bundled worker (function) in 2500 ms']);
    } finally {
      timer.close();
    }
  });

  it('closes an open bundle when the next one starts, so each function gets one line', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'bundle-timer-'));
    dirs.push(out);
    let now = 0;
    const lines: string[] = [];
    const timer = bundleTimer(out, (l) => lines.push(l), () => now);
    timer.line('Bundling asset s/a/one-lambda/Code/Stage...');
    now = 40;
    timer.line('Bundling asset s/a/two-lambda/Code/Stage...');
    timer.close();
    expect(lines).toEqual(['bundled one (a) in 40 ms']);
  });
});
