/**
 * The provisioning commands' exit codes as ops see them (docs/exit-codes.md): usage 2 (nothing ran), drift 1,
 * unreachable 3 — the real CLIs in child processes, no host needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programArgs } from '../../../src/service/programs.ts';
import { freePort } from '../../../src/stack/free-port.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const cli = (name: string, args: string[]) =>
  spawnSync(process.execPath, programArgs(`provisioning/cli/${name}.ts`, args), {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, REDIS_PASSWORD: '', FORCE_COLOR: '0' },
    timeout: 60_000,
  });

describe('provisioning exit codes', () => {
  let temp = '';
  beforeAll(() => {
    temp = mkdtempSync(join(tmpdir(), 'fastnpc-exit-codes-'));
  });
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  it('an unknown flag is a usage error: 2, one line', { timeout: 120_000 }, () => {
    for (const name of ['provision', 'audit', 'rollback', 'provision-topology']) {
      const r = cli(name, ['--no-such-flag']);
      expect(r.status, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('audit of a port nobody listens on: 3 (unreachable), not 1 (drift)', async () => {
    const port = await freePort();
    const r = cli('audit', ['--redis-url', `redis://127.0.0.1:${port}`, '--json', join(temp, 'a.json')]);
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toMatch(/cannot reach redis:\/\/127\.0\.0\.1:\d+/);
  });

  it('provision over SSH to a host nobody answers on: 3', () => {
    // 127.0.0.1 port 1: connection refused at once (ssh exits 255)
    const config = join(temp, 'ssh_config');
    spawnSync('sh', ['-c', `printf 'Host *\\n  Port 1\\n  BatchMode yes\\n  ConnectTimeout 5\\n' > ${config}`]);
    const r = cli('provision', ['--check', '--host', 'root@127.0.0.1', '--ssh-config', config]);
    expect(r.status, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toMatch(/ssh root@127\.0\.0\.1 failed/);
  });
});
