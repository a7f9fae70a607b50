/**
 * The provisioning steps of the systemd-host scenario, in order: a fresh host refused without a password, --check and
 * --yes on it (the plan's config, the password, the app user and the kernel settings in force), idempotence (second
 * --check / --yes change nothing), and — as root — drift of the running server and of the file, named by --check
 * and by the audit over a tunnel, then re-applied.
 */
import { expect, it } from 'vitest';
import { KERNEL, PLAN_SAVE, type ScenarioContext, STEP_MS } from './context.ts';

export function provisionSteps(ctx: ScenarioContext): void {
  if (!ctx.as.sudo) {
    it('fresh host, no password: --check and --yes refuse (exit 2) naming --password-file and --allow-no-auth', {
      timeout: STEP_MS,
    }, async () => {
      for (const mode of ['--check', '--yes']) {
        const r = await ctx.runner.run(`no password ${mode}`, 'provision', [
          mode,
          ...ctx.conn(),
          '--app-user',
          'fastnpc_app',
          '--app-password-file',
          ctx.files.app,
        ]);
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr).toMatch(/no password: refusing to leave a Redis that answers without one/);
        expect(r.stderr).toContain('--password-file FILE');
        expect(r.stderr).toContain('--allow-no-auth');
      }
      // nothing ran: no redis-server was installed
      expect((await ctx.host.ssh('command -v redis-server')).code).not.toBe(0);
    });
  }

  it('fresh host: --check lists everything and exits 1 (drift)', { timeout: STEP_MS }, async () => {
    const r = await ctx.provision('fresh --check', '--check');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('apt-get install redis-server redis-tools');
    expect(r.stdout).toContain('systemd');
  });

  it('fresh host: one --yes ends with the plan config and the password in force (D1, D6)', {
    timeout: STEP_MS,
  }, async () => {
    const before = await ctx.kernel();
    const r = await ctx.provision('fresh --yes', '--yes');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The kernel is the machine's (global): its values may already be the plan's (an earlier provisioning run in
    // a network namespace leaves them). Whatever they were, after --yes the plan's values are in force, or the
    // setting is named as "cannot be applied" — only one that differed before, and then it is unchanged (D6).
    const after = await ctx.kernel();
    for (const [key, { want }] of Object.entries(KERNEL)) {
      const named = new RegExp(`cannot be applied on this host \\(container\\?\\): ${key.replace('.', '\\.')}: `);
      if (want(before[key]!)) {
        expect(r.stdout, key).not.toMatch(named);
        expect(want(after[key]!), `${key} = ${after[key]}`).toBe(true);
      } else if (named.test(r.stdout)) {
        expect(after[key], key).toBe(before[key]);
      } else {
        expect(want(after[key]!), `${key} = ${after[key]}`).toBe(true);
      }
    }
    // the persisted settings are on the host either way (applied at its next boot)
    expect((await ctx.host.ssh('cat /etc/sysctl.d/60-fastnpc-redis.conf')).stdout).toContain(
      'vm.overcommit_memory = 1',
    );
    expect((await ctx.host.ssh('cat /etc/tmpfiles.d/fastnpc-redis-thp.conf')).stdout).toMatch(/enabled - - - - never/);
    expect((await ctx.host.ssh('redis-server --version')).stdout).toContain(`v=${ctx.release.redis}.`);
    const live = await ctx.cli([
      'CONFIG GET maxmemory',
      'CONFIG GET maxmemory-policy',
      'CONFIG GET save',
      'CONFIG GET bind',
    ]);
    expect(live).toEqual([
      'OK',
      'maxmemory',
      '209715200',
      'maxmemory-policy',
      'allkeys-lru',
      'save',
      PLAN_SAVE,
      'bind',
      ctx.release.planBind,
    ]);
    expect((await ctx.cli(['PING'], null))[0]).toMatch(/^NOAUTH/);
    const app = await ctx.host.ssh('redis-cli --no-auth-warning', {
      input: `AUTH fastnpc_app ${ctx.appPassword}\nSET fastnpc:probe 1\nGET other:key\nCONFIG GET maxmemory\n`,
    });
    expect(app.stdout).toMatch(/^OK\nOK\nNOPERM[^\n]*\n\nNOPERM/);
    expect((await ctx.host.ssh('systemctl is-enabled redis-server')).stdout.trim()).toBe('enabled');
    if (!ctx.as.sudo) {
      // the project's own audit agrees right after a clean provisioning (Redis 6.0: bind without "-")
      await ctx.openTunnel();
      const clean = await ctx.auditHost('audit after fresh --yes');
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect(clean.stdout).toMatch(new RegExp(`ok\\s+bind\\s+${ctx.release.planBind.replace(/[-:.]/g, '\\$&')}\\s`));
    }
  });

  it('--check right after: nothing to change, exit 0 (D2, D6)', { timeout: STEP_MS }, async () => {
    const r = await ctx.provision('--check after --yes', '--check');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('no changes');
  });

  it('second --yes: no changes, same MainPID', { timeout: STEP_MS }, async () => {
    const before = await ctx.mainPid();
    const r = await ctx.provision('second --yes', '--yes');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('no changes');
    expect(await ctx.mainPid()).toBe(before);
  });

  // The sudo run keeps to one pass through provision and rollback (CI time); the root run does every step.
  if (!ctx.as.sudo) {
    it('the running server differs from the file: --check 1 names it, --yes restarts (D2)', {
      timeout: STEP_MS,
    }, async () => {
      await ctx.cli(['CONFIG SET maxmemory 0']);
      const check = await ctx.provision('running differs: --check', '--check');
      expect(check.code, check.stdout).toBe(1);
      expect(check.stdout).toMatch(/running server differs[^\n]*maxmemory \(running 0, file 209715200\)/);
      const before = await ctx.mainPid();
      const r = await ctx.provision('running differs: --yes', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(await ctx.mainPid()).not.toBe(before);
      expect((await ctx.cli(['CONFIG GET maxmemory']))[2]).toBe('209715200');
    });

    it('hand edit + restart: --check exits 1 and shows the edited line', { timeout: STEP_MS }, async () => {
      await ctx.host.ssh(
        "sed -i 's/^maxmemory-policy .*/maxmemory-policy volatile-lru/' /etc/redis/redis.conf && systemctl restart redis-server",
      );
      const check = await ctx.provision('hand edit: --check', '--check');
      expect(check.code).toBe(1);
      expect(check.stdout).toMatch(/^\s*-maxmemory-policy volatile-lru$/m);
    });

    it("hand edit: the audit over a tunnel exits 1 naming the setting, with the host's own sockets (D5)", {
      timeout: STEP_MS,
    }, async () => {
      // control: through a tunnel the URL's port is not the server's (the old default drifted on `port`)
      const naive = await ctx.audit('audit via tunnel, no --expect-port', ['--password-file', ctx.files.pw]);
      expect(naive.code).toBe(1);
      expect(naive.stderr).toMatch(/port \(expected \d+, actual 6379\)/);
      expect(naive.stdout).toMatch(/listening addresses\s+loopback only\s+not checked/);
      const r = await ctx.auditHost('hand edit: audit');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('maxmemory-policy (expected allkeys-lru, actual volatile-lru)');
      expect(r.stderr).not.toMatch(/\bport \(/);
      // the audited host's own sockets, read over SSH
      expect(r.stdout).toMatch(/listening addresses\s+loopback only\s+127\.0\.0\.1 ::1\s+sockets of/);
    });

    it('--yes re-applies the plan', { timeout: STEP_MS }, async () => {
      const r = await ctx.provision('re-apply --yes', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect((await ctx.cli(['CONFIG GET maxmemory-policy']))[2]).toBe('allkeys-lru');
      if (!ctx.as.sudo) {
        const clean = await ctx.auditHost('audit after re-apply');
        expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      }
    });
  }
}
