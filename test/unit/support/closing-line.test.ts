// The closing line CI reads must count what vitest counts as a failed run: each fixture below is run by a real vitest
// in a subprocess (test/support/fixtures/closing-line, a config of its own) and must end with a non-zero failed
// count and a non-zero exit. The passing fixture is the control: same runner, "0 failed", exit 0.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = join(ROOT, 'test/support/fixtures/closing-line');
const VITEST = join(ROOT, 'node_modules/.bin/vitest');

function run(fixture: string): { code: number | null; closing: string; output: string } {
  const result = spawnSync(VITEST, ['run'], {
    cwd: FIXTURES,
    env: { ...process.env, CLOSING_LINE_CASE: fixture, CI: '1', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  const lines = result.stdout.trimEnd().split('\n');
  return { code: result.status, closing: lines.at(-1) ?? '', output };
}

describe('closing-line reporter', { timeout: 90_000 }, () => {
  test('control: a passing file prints "1 passed, 0 failed" and exits 0', () => {
    const r = run('passing');
    expect(r.closing, r.output).toBe('1 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  test('a test file whose import throws counts as a failure and the run exits non-zero', () => {
    const r = run('broken-import');
    expect(r.closing, r.output).toBe('0 passed, 1 failed');
    expect(r.output).toContain('1 file(s) failed to load');
    expect(r.code).not.toBe(0);
  });

  test('a failing afterAll hook counts as a failure even though its test passed', () => {
    const r = run('failing-hook');
    expect(r.closing, r.output).toBe('1 passed, 1 failed');
    expect(r.output).toContain('1 hook(s) failed');
    expect(r.code).not.toBe(0);
  });

  test('an unhandled rejection counts as a failure', () => {
    const r = run('unhandled');
    expect(r.closing, r.output).toBe('1 passed, 1 failed');
    expect(r.output).toContain('1 unhandled error(s)');
    expect(r.code).not.toBe(0);
  });
});
