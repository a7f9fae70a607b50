/**
 * The systemd path of the plan on a machine without systemd: a temp root that looks like a systemd host
 * (<root>/run/systemd/system) and a fake `systemctl` on PATH that reports an inactive, disabled unit.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProvisionArgs } from '../../../provisioning/lib/command/options.ts';
import { layoutFor } from '../../../provisioning/lib/host/layout.ts';
import { localTarget } from '../../../provisioning/lib/host/target.ts';
import { makePlan } from '../../../provisioning/lib/plan/plan.ts';

const root = mkdtempSync(join(tmpdir(), 'plan-systemd-'));
const bin = join(root, 'fake-bin');
const oldPath = process.env.PATH;

beforeAll(() => {
  const files: Record<string, string> = {
    'proc/sys/vm/overcommit_memory': '1\n',
    'proc/sys/net/core/somaxconn': '4096\n',
    'sys/kernel/mm/transparent_hugepage/enabled': 'always [madvise] never\n',
    'sys/kernel/mm/transparent_hugepage/defrag': 'always defer defer+madvise madvise [never]\n',
    'etc/os-release': 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nID=ubuntu\nVERSION_ID="24.04"\n',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'systemctl'),
    `#!/bin/sh\necho "$*" >> "${root}/systemctl.log"\ncase "$1" in is-active) exit 3;; is-enabled) exit 1;; show) echo 0;; esac\nexit 0\n`,
  );
  chmodSync(join(bin, 'systemctl'), 0o755);
  process.env.PATH = `${bin}:${oldPath}`;
});
afterAll(() => {
  process.env.PATH = oldPath;
  rmSync(root, { recursive: true, force: true });
});

// a plan spawns the host's tools (redis-server, systemctl): 1–2 s on a quiet machine, past vitest's 5 s at load 20+
describe('makePlan on a (fake) systemd host', { timeout: 20_000 }, () => {
  it('plans the config, host tuning, the LimitNOFILE drop-in, start and enable; touches nothing', async () => {
    const layout = layoutFor(root);
    const plan = await makePlan(localTarget(), layout, parseProvisionArgs(['--check'], {}), { password: 'plan-Pw-1' });
    expect(plan.host.systemd).toBe(true);
    expect(plan.host.pretty).toBe('Ubuntu 24.04.1 LTS');
    const summary = plan.changes.map((c) => `${c.kind}: ${c.summary}`);
    expect(summary).toContain(`config: create ${layout.config}`);
    expect(summary).toContain(`sysctl-file: create ${layout.sysctlFile}`);
    expect(summary).toContain('thp-live: transparent_hugepage/enabled: madvise → never');
    expect(summary.some((s) => s.startsWith('unit-drop-in:'))).toBe(true);
    expect(summary).toContain('service: start redis-server (systemd)');
    expect(summary).toContain('service: systemctl enable redis-server (start at boot)');
    // overcommit already 1 and somaxconn 4096 ≥ 511: no live kernel change, and somaxconn is not lowered
    expect(plan.changes.filter((c) => c.kind === 'sysctl-live')).toEqual([]);
    expect(plan.sysctl.want).toContain('net.core.somaxconn = 4096');
    // only queries were sent to systemctl
    const calls = readFileSync(join(root, 'systemctl.log'), 'utf8').trim().split('\n');
    expect(calls.every((c) => /^(is-active|is-enabled|show)\b/.test(c))).toBe(true);
  });
});
