// A command that exits before it reads its standard input (a remote `redis-cli` not installed yet, ssh failing at
// once) must give its exit code, not crash the provisioning process with an unhandled EPIPE on the input pipe.
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../../../support/run-captured.ts';

// A child process of its own: an unhandled 'error' event would kill the vitest worker instead of failing a test.
async function runInChild(script: string): Promise<{ code: number; out: string }> {
  const r = await runCaptured(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: process.cwd(),
  });
  return { code: r.code, out: r.stdout + r.stderr };
}

// 4 MiB of input to a command that exits at once: the write cannot fit the pipe, so it always fails with EPIPE.
const script = (module: string, use: string) => `
  import { localTarget } from '${module}';
  ${use}
  const r = await localTarget().exec(['sh', '-c', 'exit 7'], { input: 'x'.repeat(4 * 1024 * 1024) });
  console.log('exit', r.exitCode);
`;

describe('a target command that exits before reading its input', () => {
  it('returns its exit code; the input pipe breaking is not a crash', async () => {
    const r = await runInChild(script('./provisioning/lib/host/target.ts', ''));
    expect(r.out).not.toContain('EPIPE');
    expect(r.out).toContain('exit 7');
    expect(r.code).toBe(0);
  });

  it('control: zx with the same input and no guard on the pipe crashes with EPIPE', async () => {
    const control = `
      import { $ } from 'zx';
      await $({ input: 'x'.repeat(4 * 1024 * 1024), nothrow: true, quiet: true })\`sh -c 'exit 7'\`;
      console.log('exit reached');
    `;
    const r = await runInChild(control);
    expect(r.out).toContain('EPIPE');
    expect(r.code).not.toBe(0);
  });
});
