// A service process whose output pipe lost its reader keeps going (so it can stop its workers); any other stream
// error still surfaces. The control: the same stream without the guard throws on EPIPE.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs a child whose stdout reader (`head -c0`) is gone before it writes, then reports whether it got past it. */
function writeAfterReaderGone(guarded: boolean): { status: number | null; out: string } {
  const script = [
    guarded ? `import { survivePipeLoss } from ${JSON.stringify(join(ROOT, 'src/service/closed-output.ts'))};` : '',
    guarded ? 'survivePipeLoss();' : '',
    'await new Promise((r) => setTimeout(r, 300));',
    "for (let i = 0; i < 50; i += 1) process.stdout.write('stopping workers…\\n');",
    'await new Promise((r) => setTimeout(r, 300));',
    "process.stderr.write('still here\\n');",
  ].join('\n');
  const r = spawnSync(
    'sh',
    ['-c', `"${join(ROOT, 'node_modules/.bin/tsx')}" --input-type=module -e "$SCRIPT" | head -c0`],
    { env: { ...process.env, SCRIPT: script }, encoding: 'utf8' },
  );
  return { status: r.status, out: r.stderr };
}

describe('survivePipeLoss', () => {
  test('writes to a pipe without a reader are dropped: the process goes on', () => {
    expect(writeAfterReaderGone(true).out).toContain('still here');
  });
  test('control: without it, the first write to the closed pipe kills the process', () => {
    const r = writeAfterReaderGone(false);
    expect(r.out).not.toContain('still here');
    expect(r.out).toContain('EPIPE');
  });
});
