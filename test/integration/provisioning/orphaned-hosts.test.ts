/**
 * A systemd host whose test process is killed with SIGKILL (a vitest worker killed, a CI job timed out) cannot
 * clean up after itself: its systemd-nspawn, container, veth and overlay mount stay. The control shows exactly that
 * (everything still there once the owner is dead); then the reaper that runs before every new boot removes it. A
 * host whose owner is alive is left alone. Where nspawn cannot run this file fails with the reason, as
 * systemd-host.test.ts does (FASTNPC_SYSTEMD_HOST=off opts a developer machine out).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, runReporting } from '../../support/processes.ts';
import { systemdHostsCanRun } from '../../support/systemd-host/can-run.ts';
import { hostInputs, REPO } from '../../support/systemd-host/host.ts';
import { reapOrphanedHosts } from '../../support/systemd-host/orphans.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const mounted = (path: string): boolean => readFileSync('/proc/mounts', 'utf8').includes(` ${path} `);
const linkExists = (link: string): boolean => spawnSync('ip', ['link', 'show', link], { stdio: 'ignore' }).status === 0;

/** What a booted host consists of, as its owner reports it. */
interface HostParts {
  dir: string;
  merged: string;
  veth: string;
  nspawn: number;
  init: number;
}

/** A child process that boots a host, reports its parts and waits (to be killed). */
function bootInChild(cached: { root: string; key: string; mirrorHost: string }): {
  child: ChildProcess;
  parts: Promise<HostParts>;
} {
  // the host's parts, from its owner file (orphans.ts) and its init's parent (systemd-nspawn)
  const script = `
    import { readFileSync } from 'node:fs';
    import { dirname } from 'node:path';
    import { startSystemdHost } from ${JSON.stringify(join(REPO, 'test/support/systemd-host/host.ts'))};
    const host = await startSystemdHost(JSON.parse(process.env.CACHED));
    const init = host.initPid();
    const stat = readFileSync('/proc/' + init + '/stat', 'utf8');
    const nspawn = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const dir = dirname(host.sshConfig);
    const owner = JSON.parse(readFileSync(dir + '/owner.json', 'utf8'));
    console.log('PARTS ' + JSON.stringify({ dir, merged: owner.merged, veth: owner.links[0], nspawn, init }));
    setInterval(() => {}, 60_000);
  `;
  const { child, report } = runReporting<HostParts>(script, 'PARTS', {
    cwd: REPO,
    env: { CACHED: JSON.stringify(cached) },
  });
  return { child, parts: report };
}

if (systemdHostsCanRun('orphaned systemd hosts')) {
  describe('orphaned systemd hosts', () => {
    let cached: { root: string; key: string; mirrorHost: string };
    const children: ChildProcess[] = [];
    beforeAll(() => {
      cached = hostInputs();
    }, 1_200_000);
    afterAll(async () => {
      // SIGTERM: the owner's own exit hooks stop its host; the reaper removes whatever is left after that
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
      reapOrphanedHosts();
    }, 60_000);

    it('a host whose owner was killed with SIGKILL stays (control) until the reaper removes all of it', async () => {
      const kept = bootInChild(cached);
      const doomed = bootInChild(cached);
      children.push(kept.child, doomed.child);
      const [live, orphan] = await Promise.all([kept.parts, doomed.parts]);
      doomed.child.kill('SIGKILL'); // as a killed vitest worker: no exit hook runs
      await new Promise((r) => doomed.child.once('exit', r));
      await sleep(1_000);
      // control: nothing cleaned up after an owner that could not run its exit hooks
      expect(alive(orphan.nspawn)).toBe(true);
      expect(alive(orphan.init)).toBe(true);
      expect(mounted(orphan.merged)).toBe(true);
      expect(linkExists(orphan.veth)).toBe(true);

      const reaped = reapOrphanedHosts();
      expect(reaped).toContain(orphan.dir);
      expect(reaped).not.toContain(live.dir);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (alive(orphan.nspawn) || alive(orphan.init))) await sleep(200);
      expect(alive(orphan.nspawn)).toBe(false);
      expect(alive(orphan.init)).toBe(false);
      expect(mounted(orphan.merged)).toBe(false);
      expect(linkExists(orphan.veth)).toBe(false);
      expect(existsSync(orphan.dir)).toBe(false);
      // the host whose owner lives is untouched
      expect(alive(live.nspawn)).toBe(true);
      expect(mounted(live.merged)).toBe(true);
      expect(linkExists(live.veth)).toBe(true);
    }, 300_000);
  });
}
