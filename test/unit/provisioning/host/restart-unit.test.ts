import { describe, expect, it } from 'vitest';
import { ProvisionError } from '../../../../provisioning/lib/command/errors.ts';
import { type ExecResult, restartUnit, type Target } from '../../../../provisioning/lib/host/target.ts';

/** A host whose systemctl answers `restart` with the queued exit codes and `show -p Result` with `result`. */
function host(restarts: number[], result: string): { target: Target; calls: string[] } {
  const calls: string[] = [];
  const target: Target = {
    name: 'root@10.0.0.2',
    remote: true,
    exec: async (argv): Promise<ExecResult> => {
      calls.push(argv.join(' '));
      if (argv[1] === 'restart') {
        const code = restarts.shift() ?? 0;
        return { stdout: '', stderr: code === 0 ? '' : 'Job for redis-server.service failed.', exitCode: code };
      }
      if (argv[1] === 'show') return { stdout: `${result}\n`, stderr: '', exitCode: 0 };
      return { stdout: '', stderr: '', exitCode: 0 };
    },
  };
  return { target, calls };
}

describe('restartUnit', () => {
  it('restarts once when systemd takes it', async () => {
    const { target, calls } = host([0], 'success');
    expect(await restartUnit(target, 'redis-server')).toBe(false);
    expect(calls).toEqual(['systemctl restart redis-server']);
  });

  it('after systemd refused it for its start rate limit: reset-failed, then restart again', async () => {
    // what a fresh host did in CI: provision, re-apply, roll back twice within 10 s — the 5th start was refused
    const { target, calls } = host([1, 0], 'start-limit-hit');
    expect(await restartUnit(target, 'redis-server')).toBe(true);
    expect(calls).toEqual([
      'systemctl restart redis-server',
      'systemctl show -p Result --value redis-server',
      'systemctl reset-failed redis-server',
      'systemctl restart redis-server',
    ]);
  });

  it('any other failure is the step failing, with its output — no reset, no second restart', async () => {
    const { target, calls } = host([1], 'exit-code');
    const error = await restartUnit(target, 'redis-server').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as ProvisionError).code).toBe('E_STEP_FAILED');
    expect((error as Error).message).toBe(
      'systemctl restart redis-server failed on root@10.0.0.2 (exit 1): Job for redis-server.service failed.',
    );
    expect(calls).not.toContain('systemctl reset-failed redis-server');
  });
});
