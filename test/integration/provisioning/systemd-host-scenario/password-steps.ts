/**
 * The last steps of the systemd-host scenario: the password rotated (masked in the preview, kept when no password file
 * is given), then no secret in any output, diff, argv, journal or log of the whole run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type ScenarioContext, STEP_MS } from './context.ts';

export function passwordSteps(ctx: ScenarioContext): void {
  it('password rotation: the preview masks both passwords, --yes switches', { timeout: STEP_MS }, async () => {
    const preview = await ctx.provision('rotation --check', '--check', ctx.files.rotated);
    expect(preview.code).toBe(1);
    expect(preview.stdout).toMatch(/^\s*-requirepass \*{8}$/m);
    expect(preview.stdout).toMatch(/^\s*\+requirepass \*{8}$/m);
    const r = await ctx.provision('rotation --yes', '--yes', ctx.files.rotated);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    ctx.currentPassword = ctx.rotated;
    expect((await ctx.cli(['PING']))[1]).toBe('PONG');
    expect((await ctx.cli(['PING'], ctx.password))[0]).toMatch(/^WRONGPASS/);
    // without the password file the host's password is kept, not removed (D7)
    const keep = await ctx.runner.run('--check without password files', 'provision', [
      '--check',
      ...ctx.conn(),
      '--app-user',
      'fastnpc_app',
    ]);
    expect(keep.code, keep.stdout).toBe(0);
    expect(keep.stdout).toContain('keeping the requirepass the host already has');
  });

  it('no secret in any output, diff, argv, journal or log', { timeout: STEP_MS }, async () => {
    const secrets = [ctx.password, ctx.appPassword, ctx.rotated];
    const journal = await ctx.host.ssh('journalctl --no-pager -o cat; cat /var/log/redis/*.log 2>/dev/null', {
      timeoutMs: 60_000,
    });
    const auditJson = join(ctx.temp, 'audit.json'); // the root run audits; the sudo run does not
    const report = ctx.as.sudo ? '' : readFileSync(auditJson, 'utf8');
    expect(journal.stdout.length).toBeGreaterThan(1000);
    expect(ctx.runner.outputs.length).toBeGreaterThanOrEqual(20); // stdout + stderr of every command run
    for (const s of secrets) {
      for (const out of [...ctx.runner.outputs, journal.stdout, report]) expect(out).not.toContain(s);
    }
    expect(ctx.runner.argvHits).toEqual([]);
    expect(ctx.runner.argvSamples).toBeGreaterThan(1000);
    // the secrets were really there to find: the host's file holds the rotated one
    expect((await ctx.host.ssh('cat /etc/redis/redis.conf')).stdout).toContain(ctx.rotated);
    expect(ctx.host.proxy.refused).toEqual([]);
  });
}
