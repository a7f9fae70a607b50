/**
 * The plan's 2 GB host, measured: a real systemd host (Debian 12) capped at 2 GB by a cgroup v1 memory limit around
 * the whole container, Redis provisioned by the project (maxmemory 200mb, the plan's save rules), ballast processes
 * sized as the plan's other residents (OS 300 MB, two app workers 250 MB each, PostgreSQL 200 MB), then a write load
 * that fills Redis past maxmemory for 150 s while the save rules fork BGSAVE. No OOM kill; Redis' peak RSS, the
 * fork's copy-on-write peak and the cgroup's peak are reported (docs/operations.md "Memory budget"). The budget check
 * agrees: at 2 GB `--check` passes; the same host capped at 1 GB is refused with the figures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemdHostsCanRun } from '../../support/systemd-host/can-run.ts';
import { CliRunner } from '../../support/systemd-host/cli-runner.ts';
import { hostInputs, type SystemdHost, startSystemdHost } from '../../support/systemd-host/host.ts';
import {
  createMemoryCgroup,
  type MemoryCgroup,
  memoryCgroupUnavailable,
} from '../../support/systemd-host/memory-cgroup.ts';

const STEP_MS = 600_000;
const MB = 1024 * 1024;
const GB = 1024 * MB;
const LOAD_SECONDS = 150;
/** The plan's residents beside Redis (plan.md, "The memory budget"). */
const BALLAST = [
  { unit: 'ballast-system', mb: 300 },
  { unit: 'ballast-worker-1', mb: 250 },
  { unit: 'ballast-worker-2', mb: 250 },
  { unit: 'ballast-postgres', mb: 200 },
];

/** A perl one-liner writing RESP to stdout: AUTH (password from a root-only file), then `n` SETs of 1000-byte values. */
const loadGenerator = (n: number, keySpace: number): string =>
  `perl -e 'open(F, "<", "/run/fastnpc-load-pw") or die; my $pw = <F>; chomp $pw; my $v = "v" x 1000;` +
  ` sub c { my $s = "*" . scalar(@_) . "\\r\\n"; $s .= "\\$" . length($_) . "\\r\\n$_\\r\\n" for @_; $s }` +
  ` print c("AUTH", $pw); print c("SET", "fastnpc:load:" . int(rand(${keySpace})), $v) for 1..${n};'`;

const field = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

const unavailable = memoryCgroupUnavailable();
if (unavailable) {
  describe('the 2 GB host', () => {
    it(`cannot run here: ${unavailable}`, () => {
      throw new Error(`a memory-capped host cannot run here: ${unavailable}`);
    });
  });
} else if (systemdHostsCanRun('the 2 GB host')) {
  describe.sequential('the 2 GB host: Redis filled to maxmemory while BGSAVE forks, beside the plan residents', () => {
    const password = `Pw2g-${Math.random().toString(36).slice(2, 12)}X9`;
    const runner = new CliRunner(() => [password]);
    let cgroup: MemoryCgroup | undefined;
    let host: SystemdHost;
    let temp = '';
    let pwFile = '';
    const conn = (): string[] => ['--host', `root@${host.address}`, '--ssh-config', host.sshConfig];
    /** INFO of the host's Redis through redis-cli on the host (AUTH on stdin). */
    const info = async (section: string): Promise<string> =>
      (
        await host.ssh('redis-cli --no-auth-warning', { input: `AUTH ${password}\nINFO ${section}\n` })
      ).stdout.replaceAll('\r', '');

    beforeAll(async () => {
      temp = mkdtempSync(join(tmpdir(), 'fastnpc-2g-'));
      pwFile = join(temp, 'pw');
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      cgroup = createMemoryCgroup(2 * GB);
      host = await startSystemdHost({ ...hostInputs('debian12'), memoryCgroup: cgroup.dir });
    }, STEP_MS);
    afterAll(async () => {
      await host?.stop();
      cgroup?.remove();
      console.log(runner.table('the 2 GB host'));
      if (temp) rmSync(temp, { recursive: true, force: true });
    }, 60_000);

    it('provision --yes on the 2 GB host: RAM read from its memory cgroup, the plan accepted', {
      timeout: STEP_MS,
    }, async () => {
      const r = await runner.run('provision --yes (2 GB cgroup)', 'provision', [
        '--yes',
        ...conn(),
        '--password-file',
        pwFile,
      ]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('RAM 2048 MB (memory cgroup limit)');
    });

    it('the same host capped at 1 GB: --check refuses with the figures (exit 2)', { timeout: STEP_MS }, async () => {
      writeFileSync(join(cgroup!.dir, 'memory.limit_in_bytes'), String(GB));
      try {
        const r = await runner.run('provision --check (1 GB cgroup)', 'provision', [
          '--check',
          ...conn(),
          '--password-file',
          pwFile,
        ]);
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr).toContain(
          'this host is too small for the plan: it has 1024 MB, memory cgroup limit and needs 1400 MB — OS 300 + two app workers 500 + PostgreSQL 200 + Redis 200 + 200',
        );
      } finally {
        writeFileSync(join(cgroup!.dir, 'memory.limit_in_bytes'), String(2 * GB));
      }
      const back = await runner.run('provision --check (2 GB again)', 'provision', [
        '--check',
        ...conn(),
        '--password-file',
        pwFile,
      ]);
      expect(back.code, back.stdout + back.stderr).toBe(0);
    });

    it('fill past maxmemory for 150 s while the save rules fork BGSAVE, beside the ballast: no OOM kill', {
      timeout: STEP_MS,
    }, async () => {
      for (const b of BALLAST) {
        const r = await host.ssh(
          // "$$" is systemd-run's literal "$" (it expands $NAME itself),
          // and the size from argv, not a constant: perl folds a constant "b" x N at compile time and then copies
          // it, holding twice the memory (a first run here held 2020 MB for 1000 and was OOM-killed)
          `systemd-run --unit=${b.unit} perl -e '$$held = "b" x (shift() * 1048576); sleep 100000' ${b.mb}`,
        );
        expect(r.code, r.stderr).toBe(0);
      }
      // wait until every ballast holds its memory
      const ballastBytes = async (): Promise<number> => {
        let sum = 0;
        for (const b of BALLAST) {
          const pid = (await host.ssh(`systemctl show -p MainPID --value ${b.unit}`)).stdout.trim();
          const rss = /VmRSS:\s+(\d+) kB/.exec((await host.ssh(`cat /proc/${pid}/status`)).stdout)?.[1];
          sum += Number(rss ?? 0) * 1024;
        }
        return sum;
      };
      const until = Date.now() + 60_000;
      while (Date.now() < until && (await ballastBytes()) < 990 * MB) await new Promise((r) => setTimeout(r, 1_000));
      const ballast = await ballastBytes();
      expect(ballast).toBeGreaterThanOrEqual(990 * MB);
      expect(ballast).toBeLessThanOrEqual(1_060 * MB); // the plan's residents, not more

      await host.ssh('umask 077; cat > /run/fastnpc-load-pw', { input: `${password}\n` });
      const startedAt = Math.floor(Date.now() / 1000);
      const lastSaveBefore = Number(field(await info('persistence'), 'rdb_last_save_time'));
      const load = host.ssh(
        `end=$(( $(date +%s) + ${LOAD_SECONDS} )); n=0; while [ $(date +%s) -lt $end ]; do ` +
          `${loadGenerator(200_000, 400_000)} | redis-cli --pipe | tail -1; n=$((n+1)); done; echo rounds $n`,
        { timeoutMs: (LOAD_SECONDS + 120) * 1000 },
      );
      // sample while the load runs: the largest copy-on-write of a finished save, and the fork count
      let cowPeak = 0;
      let saves = 0;
      let lastSave = lastSaveBefore;
      let done = false;
      load.finally(() => {
        done = true;
      });
      while (!done) {
        const p = await info('persistence');
        cowPeak = Math.max(
          cowPeak,
          Number(field(p, 'rdb_last_cow_size') ?? 0),
          Number(field(p, 'current_cow_peak') ?? 0),
        );
        const save = Number(field(p, 'rdb_last_save_time'));
        if (save > lastSave) {
          saves += 1;
          lastSave = save;
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      const loaded = await load;
      await host.ssh('rm -f /run/fastnpc-load-pw');
      expect(loaded.stdout, loaded.stderr).toMatch(/errors: 0, replies: \d+/);
      const persistence = await info('persistence');
      cowPeak = Math.max(cowPeak, Number(field(persistence, 'rdb_last_cow_size') ?? 0));
      const memory = await info('memory');
      const stats = await info('stats');
      const redisPid = (await host.ssh('systemctl show -p MainPID --value redis-server')).stdout.trim();
      const status = (await host.ssh(`cat /proc/${redisPid}/status`)).stdout;
      const peakRss = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      const figures = {
        redisPeakRssMb: +(peakRss / MB).toFixed(1),
        usedMemoryPeakMb: +(Number(field(memory, 'used_memory_peak')) / MB).toFixed(1),
        usedMemoryMb: +(Number(field(memory, 'used_memory')) / MB).toFixed(1),
        cowPeakMb: +(cowPeak / MB).toFixed(1),
        savesDuringLoad: saves,
        forks: Number(field(stats, 'total_forks') ?? NaN),
        latestForkUsec: Number(field(stats, 'latest_fork_usec')),
        evictedKeys: Number(field(stats, 'evicted_keys')),
        ballastMb: +(ballast / MB).toFixed(0),
        cgroupPeakMb: +(cgroup!.peakBytes() / MB).toFixed(1),
        cgroupLimitHits: cgroup!.limitHits(),
        oomKills: cgroup!.oomKills(),
        loadRounds: loaded.stdout.match(/rounds (\d+)/)?.[1],
        startedAt,
      };
      console.log(`2 GB host figures: ${JSON.stringify(figures)}`);
      runner.record(`fill ${LOAD_SECONDS} s + BGSAVE (${saves} saves)`, 0, LOAD_SECONDS * 1000);
      expect(figures.oomKills).toBe(0);
      expect(field(persistence, 'rdb_last_bgsave_status')).toBe('ok');
      expect(saves).toBeGreaterThanOrEqual(1); // the save rules forked during the load
      expect(figures.evictedKeys).toBeGreaterThan(0); // filled to maxmemory
      // every ballast process and Redis are still alive
      for (const b of BALLAST) {
        expect((await host.ssh(`systemctl is-active ${b.unit}`)).stdout.trim()).toBe('active');
      }
      expect((await host.ssh('systemctl is-active redis-server')).stdout.trim()).toBe('active');
      // the budget's share for Redis (maxmemory + as much again for a save's copy-on-write) held what was measured
      expect(peakRss + cowPeak).toBeLessThanOrEqual(2 * 200 * MB);
    });
  });
}
