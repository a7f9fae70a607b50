import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemdHostsCanRun } from '../../support/systemd-host/can-run.ts';
import { CliRunner } from '../../support/systemd-host/cli-runner.ts';
import { hostInputs } from '../../support/systemd-host/host.ts';
import { type SystemdHostGroup, startSystemdHosts } from '../../support/systemd-host/hosts.ts';

const STEP_MS = 600_000;
const secret = (tag: string): string => `${tag}-${Math.random().toString(36).slice(2, 12)}X9`;

if (systemdHostsCanRun('sentinel topology')) {
  describe.sequential('Sentinel topology on three systemd hosts over SSH', () => {
    const password = secret('Pw1');
    const replication = secret('Repl1');
    const sentinelPw = secret('Sent1');
    const runner = new CliRunner(() => [password, replication, sentinelPw]);
    let group: SystemdHostGroup;
    let temp = '';
    let inventory = '';
    const files = { pw: '', repl: '', sent: '' };
    const [A, B, C] = [0, 1, 2];
    const host = (i: number) => group.hosts[i]!;
    const topology = (step: string, mode: '--check' | '--yes') =>
      runner.run(step, 'provision-topology', [
        mode,
        '--inventory',
        inventory,
        '--ssh-config',
        group.sshConfig,
        '--password-file',
        files.pw,
        '--replication-password-file',
        files.repl,
        '--sentinel-password-file',
        files.sent,
      ]);
    /** redis-cli on host i (AUTH on stdin), one command; raw reply without the AUTH's OK. */
    const cli = async (i: number, port: number, auth: string, command: string): Promise<string> => {
      const r = await host(i).ssh(`redis-cli --no-auth-warning -p ${port}`, { input: `AUTH ${auth}\n${command}\n` });
      return r.stdout.replaceAll('\r', '').replace(/^OK\n/, '');
    };
    const mainPids = async (): Promise<string[]> =>
      Promise.all(
        group.hosts.map(
          async (h) =>
            (
              await h.ssh(
                'systemctl show -p MainPID --value redis-server 2>/dev/null; systemctl show -p MainPID --value redis-sentinel',
              )
            ).stdout,
        ),
      );

    beforeAll(async () => {
      temp = mkdtempSync(join(tmpdir(), 'fastnpc-sentinel-topology-'));
      Object.assign(files, { pw: join(temp, 'pw'), repl: join(temp, 'repl'), sent: join(temp, 'sent') });
      writeFileSync(files.pw, `${password}\n`, { mode: 0o600 });
      writeFileSync(files.repl, `${replication}\n`, { mode: 0o600 });
      writeFileSync(files.sent, `${sentinelPw}\n`, { mode: 0o600 });
      const started = Date.now();
      group = await startSystemdHosts(3, hostInputs());
      runner.record('boot 3 hosts on one bridge', 0, Date.now() - started);
      inventory = join(temp, 'hosts.json');
      const roles = [['primary', 'sentinel'], ['replica', 'sentinel'], ['sentinel']];
      writeFileSync(
        inventory,
        JSON.stringify({
          master: 'fastnpc',
          hosts: group.hosts.map((h, i) => ({ ssh: `root@${h.address}`, address: h.address, roles: roles[i] })),
        }),
      );
    }, STEP_MS);

    afterAll(async () => {
      await group?.stop();
      console.log(runner.table('Sentinel topology scenario (3 hosts, root over SSH)'));
      if (temp) rmSync(temp, { recursive: true, force: true });
    }, 120_000);

    it('the hosts reach each other on the bridge (and the control: a closed port is refused)', async () => {
      const r = await host(A).ssh(`bash -c 'echo > /dev/tcp/${host(B).address}/22' && echo reached`);
      expect(r.stdout).toContain('reached');
      const closed = await host(A).ssh(`bash -c 'echo > /dev/tcp/${host(B).address}/6379' 2>&1 || echo refused`);
      expect(closed.stdout).toContain('refused');
    });

    it('fresh: --check lists every host and exits 1', { timeout: STEP_MS }, async () => {
      const r = await topology('fresh --check', '--check');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout.match(/changes to apply/g)).toHaveLength(3);
      expect(r.stdout).toContain('apt-get install redis-sentinel');
    });

    it('--yes: replication up, quorum reached on every Sentinel, own addresses only', {
      timeout: STEP_MS,
    }, async () => {
      const r = await topology('fresh --yes', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/topology audit: \d+ checks passed/);
      const info = await cli(B, 6379, password, 'INFO replication');
      expect(info).toMatch(/^role:slave$/m);
      expect(info).toMatch(/^master_link_status:up$/m);
      expect(info).toContain(`master_host:${host(A).address}`);
      expect(await cli(A, 6379, password, 'INFO replication')).toMatch(/^connected_slaves:1$/m);
      for (const i of [A, B, C]) {
        expect(await cli(i, 26379, sentinelPw, 'SENTINEL CKQUORUM fastnpc')).toMatch(/^OK 3 usable Sentinels/);
        // Sentinel requires its password
        const anon = await host(i).ssh('redis-cli -p 26379 PING');
        expect(anon.stdout).toMatch(/NOAUTH/);
        // the package's own sentinel.conf (no bind, no password, "mymaster") never ran: installed with starts forbidden
        const log = await host(i).ssh('cat /var/log/redis/redis-sentinel.log');
        expect(log.stdout).toContain('+monitor master fastnpc');
        expect(log.stdout).not.toContain('mymaster');
      }
      // a write on the primary reaches the replica; the replica refuses writes
      await cli(A, 6379, password, 'SET fastnpc:topology-probe 42');
      await expect.poll(() => cli(B, 6379, password, 'GET fastnpc:topology-probe'), { timeout: 10_000 }).toBe('42\n');
      expect(await cli(B, 6379, password, 'SET fastnpc:x 1')).toMatch(/READONLY/);
      // bound to loopback and the host's own address: reachable from the other host, with the password only
      const fromC = await host(C).ssh(`redis-cli --no-auth-warning -h ${host(A).address} PING`);
      expect(fromC.stdout).toMatch(/NOAUTH/);
      expect((await cli(A, 6379, password, 'CONFIG GET bind')).split('\n')[1]).toBe(
        `127.0.0.1 -::1 ${host(A).address}`,
      );
    });

    it('second --yes: no changes on any host, same MainPIDs', { timeout: STEP_MS }, async () => {
      const before = await mainPids();
      const r = await topology('second --yes', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout.match(/: ok in [\d.]+ s — root@[\d.]+: no changes/g), r.stdout).toHaveLength(3);
      expect(await mainPids()).toEqual(before);
      const check = await topology('--check after --yes', '--check');
      expect(check.code, check.stdout).toBe(0);
    });

    it('failover: the primary redis-server stopped, Sentinel promotes the replica', { timeout: STEP_MS }, async () => {
      const started = Date.now();
      await host(A).ssh('systemctl stop redis-server');
      let promoted = '';
      while (Date.now() - started < 120_000) {
        promoted = await cli(C, 26379, sentinelPw, 'SENTINEL GET-MASTER-ADDR-BY-NAME fastnpc');
        if (promoted.startsWith(`${host(B).address}\n`)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      runner.record(
        'primary stopped → replica promoted',
        promoted.startsWith(host(B).address) ? 0 : 1,
        Date.now() - started,
      );
      expect(promoted).toBe(`${host(B).address}\n6379\n`);
      await expect
        .poll(async () => cli(B, 6379, password, 'INFO replication'), { timeout: 30_000 })
        .toMatch(/^role:master$/m);
      expect(await cli(B, 6379, password, 'SET fastnpc:after-failover 1')).toBe('OK\n');
      // the old primary comes back as a replica of the new one (Sentinel reconfigures it)
      const back = Date.now();
      await host(A).ssh('systemctl start redis-server');
      await expect
        .poll(async () => cli(A, 6379, password, 'INFO replication'), { timeout: 60_000, interval: 1_000 })
        .toMatch(/^master_link_status:up$/m);
      runner.record('old primary restarted → replica of the new one', 0, Date.now() - back);
      expect(await cli(A, 6379, password, 'INFO replication')).toContain(`master_host:${host(B).address}`);
    });

    it('--check after the failover renders the running topology: the promoted node is never pointed back at the old primary', {
      timeout: STEP_MS,
    }, async () => {
      const r = await topology('--check after the failover', '--check');
      const line = (i: number) =>
        r.stdout.split('\n').find((l) => l.startsWith(`  root@${host(i).address}:`)) ?? '(no summary line)';
      expect(r.code, r.stdout + r.stderr).toBe(1); // the data nodes' files as Sentinel rewrote them
      expect(line(C)).toMatch(/: ok in /);
      expect(r.stdout).toContain(
        `the Sentinels name root@${host(B).address} as primary (inventory: root@${host(A).address})`,
      );
      // rendered from the inventory (the control, as before this fix), B's plan added `replicaof <A>`
      expect(r.stdout).not.toContain(`+replicaof ${host(A).address} 6379`);
      expect(r.stdout).not.toContain(`-replicaof ${host(B).address} 6379`);
      expect(r.stdout).toMatch(/Sentinel promoted root@[\d.]+ \(inventory: root@/);
    });

    it('--yes after the failover keeps the promoted primary; then a --check has nothing to change', {
      timeout: STEP_MS,
    }, async () => {
      const r = await topology('--yes after the failover', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/topology audit: \d+ checks passed/);
      expect(await cli(C, 26379, sentinelPw, 'SENTINEL GET-MASTER-ADDR-BY-NAME fastnpc')).toBe(
        `${host(B).address}\n6379\n`,
      );
      expect(await cli(B, 6379, password, 'INFO replication')).toMatch(/^role:master$/m);
      await expect
        .poll(async () => cli(A, 6379, password, 'INFO replication'), { timeout: 60_000, interval: 1_000 })
        .toMatch(new RegExp(`master_host:${host(B).address.replaceAll('.', '\\.')}[\\s\\S]*master_link_status:up`));
      expect(await cli(B, 6379, password, 'GET fastnpc:after-failover')).toBe('1\n');
      const check = await topology('--check after the failover --yes', '--check');
      expect(check.code, check.stdout + check.stderr).toBe(0);
    });

    it('no secret in any output or argv', () => {
      for (const s of [password, replication, sentinelPw])
        for (const out of runner.outputs) expect(out).not.toContain(s);
      expect(runner.outputs.length).toBeGreaterThanOrEqual(8);
      expect(runner.argvHits).toEqual([]);
      expect(runner.argvSamples).toBeGreaterThan(1000);
      expect(group.proxy.refused).toEqual([]);
    });
  });
}
