/**
 * D7: the plan masks every secret of the host's file, not only this run's, and a run without the password file keeps
 * the host's requirepass instead of silently planning to remove it. A temp root that looks like a systemd host with a
 * fake `systemctl` (inactive unit), as in plan-systemd.test.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProvisionArgs } from '../../../provisioning/lib/command/options.ts';
import { layoutFor } from '../../../provisioning/lib/host/layout.ts';
import { localTarget } from '../../../provisioning/lib/host/target.ts';
import { makePlan } from '../../../provisioning/lib/plan/plan.ts';

const root = mkdtempSync(join(tmpdir(), 'plan-secrets-'));
const bin = join(root, 'fake-bin');
const oldPath = process.env.PATH;
const LIVE_PASSWORD = 'live-Requirepass-7f3a9c';
const LIVE_APP_PASSWORD = 'live-AppUser-2b8e41d0';
const NEW_PASSWORD = 'rotated-Password-55aa11';

beforeAll(() => {
  const files: Record<string, string> = {
    'proc/sys/vm/overcommit_memory': '1\n',
    'proc/sys/net/core/somaxconn': '4096\n',
    'sys/kernel/mm/transparent_hugepage/enabled': 'always madvise [never]\n',
    'sys/kernel/mm/transparent_hugepage/defrag': 'always defer defer+madvise madvise [never]\n',
    'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    'etc/redis/redis.conf': `port 6379\nbind 127.0.0.1 -::1\nmaxmemory 100mb\nrequirepass ${LIVE_PASSWORD}\nuser fastnpc_app on >${LIVE_APP_PASSWORD} resetkeys ~fastnpc:* -@all +@read\n`,
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'systemctl'),
    '#!/bin/sh\ncase "$1" in is-active) exit 3;; is-enabled) exit 1;; show) echo 0;; esac\nexit 0\n',
  );
  chmodSync(join(bin, 'systemctl'), 0o755);
  process.env.PATH = `${bin}:${oldPath}`;
});
afterAll(() => {
  process.env.PATH = oldPath;
  rmSync(root, { recursive: true, force: true });
});

const planText = (plan: Awaited<ReturnType<typeof makePlan>>): string =>
  plan.changes.map((c) => `${c.summary}\n${c.diff ?? ''}`).join('\n');

// a plan spawns the host's tools (redis-server, systemctl): 1–2 s on a quiet machine, past vitest's 5 s at load 20+
describe('secrets of the host file in a plan (D7)', { timeout: 20_000 }, () => {
  it('--check without any password file shows no password of the live file, and keeps requirepass', async () => {
    const plan = await makePlan(localTarget(), layoutFor(root), parseProvisionArgs(['--check'], {}), {});
    const text = planText(plan);
    expect(text).toContain('maxmemory'); // there is a diff to show
    expect(text).not.toContain(LIVE_PASSWORD);
    expect(text).not.toContain(LIVE_APP_PASSWORD);
    expect(plan.hidden).toEqual(expect.arrayContaining([LIVE_PASSWORD, LIVE_APP_PASSWORD]));
    // never silently removed: the candidate still requires the host's password
    expect(plan.candidate.text).toContain(`requirepass ${LIVE_PASSWORD}`);
    expect(text).not.toMatch(/^-requirepass/m);
  });

  it('no password given and none on the host: refused with exit 2 naming --password-file and --allow-no-auth', async () => {
    const conf = join(root, 'etc/redis/redis.conf');
    const live = readFileSync(conf, 'utf8');
    writeFileSync(conf, live.replace(/^requirepass .*\n/m, ''));
    try {
      for (const mode of ['--check', '--yes']) {
        const refused = makePlan(
          localTarget(),
          layoutFor(root),
          parseProvisionArgs([mode, '--app-user', 'fastnpc_app'], {}),
          {},
        );
        await expect(refused).rejects.toMatchObject({ code: 'E_NO_AUTH', exitCode: 2 });
        await expect(refused).rejects.toThrow(
          /--password-file FILE \(or REDIS_PASSWORD\), or waive it explicitly with --allow-no-auth/,
        );
      }
      // the explicit waiver plans an open server and says so
      const waived = await makePlan(
        localTarget(),
        layoutFor(root),
        parseProvisionArgs(['--check', '--allow-no-auth', '--app-user', 'fastnpc_app'], {}),
        {},
      );
      expect(waived.candidate.text).not.toMatch(/^requirepass /m);
      expect(waived.notes.join('\n')).toContain('--allow-no-auth: this Redis will answer without a password');
    } finally {
      writeFileSync(conf, live);
    }
  });

  it('the rotation preview shows neither the old nor the new password', async () => {
    const plan = await makePlan(
      localTarget(),
      layoutFor(root),
      parseProvisionArgs(['--check', '--app-user', 'fastnpc_app'], {}),
      { password: NEW_PASSWORD },
    );
    const text = planText(plan);
    expect(text).toMatch(/^-requirepass \*{8}$/m);
    expect(text).toMatch(/^\+requirepass \*{8}$/m);
    for (const secret of [LIVE_PASSWORD, LIVE_APP_PASSWORD, NEW_PASSWORD]) expect(text).not.toContain(secret);
    // the app user's password is kept from the host's file when no --app-password-file is given
    expect(plan.candidate.text).toContain(`>${LIVE_APP_PASSWORD}`);
  });
});
