/**
 * The steps of the systemd-host scenario about the host itself (root run only): several --host at once with one
 * unreachable, systemd restarting a SIGKILLed redis-server, poweroff and boot, and systemd's start rate limit.
 */
import { expect, it } from 'vitest';
import { type ScenarioContext, STEP_MS } from './context.ts';

/** Root run only (the sudo run keeps to one pass through provision and rollback). */
export function hostSteps(ctx: ScenarioContext): void {
  it('several --host: in parallel, one summary line per host, exit 3 when one is unreachable', {
    timeout: STEP_MS,
  }, async () => {
    // the second host is this machine's own end of the veth (no sshd there): the one other allowed address
    const r = await ctx.runner.run('--check on two hosts (one unreachable)', 'provision', [
      '--check',
      ...ctx.conn(),
      '--host',
      `root@${ctx.host.gateway}`,
      '--password-file',
      ctx.files.pw,
      '--app-user',
      'fastnpc_app',
      '--app-password-file',
      ctx.files.app,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(
      new RegExp(`^  root@${ctx.host.address.replaceAll('.', '\\.')}: ok in [\\d.]+ s — no changes`, 'm'),
    );
    expect(r.stdout).toMatch(
      new RegExp(`^  root@${ctx.host.gateway.replaceAll('.', '\\.')}: UNREACHABLE \\(exit 3\\)`, 'm'),
    );
  });

  it('SIGKILLed redis-server is restarted by systemd', { timeout: STEP_MS }, async () => {
    const before = await ctx.mainPid();
    const started = Date.now();
    await ctx.host.ssh('systemctl kill -s KILL redis-server');
    let after = 0;
    while (Date.now() - started < 30_000) {
      after = await ctx.mainPid();
      if (after > 0 && after !== before && (await ctx.cli(['PING']))[1] === 'PONG') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    ctx.runner.record('systemctl kill -s KILL → restarted', after !== before ? 0 : 1, Date.now() - started);
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
  });

  it('poweroff and boot: config and password still in force', { timeout: STEP_MS }, async () => {
    const down = await ctx.host.poweroff();
    const up = await ctx.host.boot();
    ctx.runner.record('poweroff + boot', 0, down + up);
    expect((await ctx.host.ssh('systemctl is-active redis-server')).stdout.trim()).toBe('active');
    expect((await ctx.cli(['CONFIG GET maxmemory']))[2]).toBe('209715200');
    expect((await ctx.cli(['PING'], null))[0]).toMatch(/^NOAUTH/);
    const check = await ctx.provision('--check after reboot', '--check');
    expect(check.code, check.stdout).toBe(0);
  });

  it("systemd's start rate limit: a restart burst is refused, provisioning still (re)starts and says so", {
    timeout: STEP_MS,
  }, async () => {
    // a test drop-in widens the unit's window (3 starts in 10 min) so the limit is still in force when
    // provisioning restarts however slow the host; the default is 5 in 10 s (CI hit it: provision, re-apply,
    // roll back twice within seconds)
    const dropIn = '/etc/systemd/system/redis-server.service.d/zz-test-start-limit.conf';
    await ctx.host.ssh(
      `mkdir -p /etc/systemd/system/redis-server.service.d && printf '[Unit]\nStartLimitIntervalSec=600\nStartLimitBurst=3\n' > ${dropIn} && systemctl daemon-reload && systemctl reset-failed redis-server`,
    );
    try {
      // control: plain `systemctl restart` in a burst — systemd refuses one and leaves Redis stopped
      const burst = await ctx.host.ssh(
        'for i in 1 2 3 4 5; do systemctl restart redis-server 2>/dev/null || { systemctl show -p Result --value redis-server; exit 0; }; done; echo none',
      );
      expect(burst.stdout.trim()).toBe('start-limit-hit');
      expect((await ctx.host.ssh('systemctl is-active redis-server')).stdout.trim()).not.toBe('active');
      const r = await ctx.provision('--yes after a refused restart (start-limit-hit)', '--yes');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('systemd refused to restart redis-server for its start rate limit');
      expect((await ctx.host.ssh('systemctl is-active redis-server')).stdout.trim()).toBe('active');
      expect((await ctx.cli(['CONFIG GET maxmemory']))[2]).toBe('209715200');
    } finally {
      await ctx.host.ssh(`rm -f ${dropIn} && systemctl daemon-reload && systemctl reset-failed redis-server`);
    }
  });
}
