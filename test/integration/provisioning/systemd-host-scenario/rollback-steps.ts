/**
 * The rollback step of the systemd-host scenario: back to the hand-edited file (root), then to the package's own file,
 * with the loss of the password and of the app user said before and after; the audit and provisioning on the
 * password-less host that leaves (root); provisioning again.
 */
import { expect, it } from 'vitest';
import { type ScenarioContext, STEP_MS } from './context.ts';

export function rollbackSteps(ctx: ScenarioContext): void {
  it("rollback --check / --yes: back to the package's own file exits 0 (D4)", {
    timeout: STEP_MS,
  }, async () => {
    const check = await ctx.runner.run('rollback --check', 'rollback', ['--check', ...ctx.conn()]);
    expect(check.code).toBe(1);
    if (!ctx.as.sudo) {
      // the newest backup is the hand-edited file (kept when --yes re-applied the plan)
      expect(check.stdout).toMatch(/^\s*\+maxmemory-policy volatile-lru$/m);
      // the hand-edited file keeps the password and the app user: no loss to warn about
      expect(check.stdout).not.toContain('this rollback removes');
      const first = await ctx.runner.run('rollback --yes (hand-edited file)', 'rollback', ['--yes', ...ctx.conn()]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
    }
    // back to the package's file: the loss of the password and of the app user is said before and after
    const toPackage = await ctx.runner.run("rollback --check (package's file)", 'rollback', ['--check', ...ctx.conn()]);
    expect(toPackage.code).toBe(1);
    expect(toPackage.stdout).toContain('this rollback removes requirepass');
    expect(toPackage.stdout).toContain('this rollback removes the app user fastnpc_app');
    const second = await ctx.runner.run("rollback --yes (package's file)", 'rollback', ['--yes', ...ctx.conn()]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/this rollback removes requirepass[^\n]*provision --yes --password-file/);
    expect(second.stdout).toMatch(new RegExp(`ok\\s+save: ${ctx.release.packageSave}`));
    expect((await ctx.cli(['CONFIG GET maxmemory'], null))[1]).toBe('0');
    if (!ctx.as.sudo) {
      // the package's file has no password: the audit calls that drift unless explicitly allowed (D5)
      const noAuth = await ctx.audit('audit of a no-password server', ['--expect-port', '6379']);
      expect(noAuth.code).toBe(1);
      expect(noAuth.stderr).toContain('auth (expected required, actual not required)');
      const allowed = await ctx.audit('audit --allow-no-auth', ['--expect-port', '6379', '--allow-no-auth']);
      expect(allowed.stderr).not.toContain('auth (expected');
      // the host has no password now: provision without one refuses, --allow-no-auth says what it waives
      const refused = await ctx.runner.run('provision --check, no password, open host', 'provision', [
        '--check',
        ...ctx.conn(),
      ]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain('--allow-no-auth');
      const waived = await ctx.runner.run('provision --check --allow-no-auth', 'provision', [
        '--check',
        ...ctx.conn(),
        '--allow-no-auth',
      ]);
      expect(waived.code, waived.stdout + waived.stderr).toBe(1);
      expect(waived.stdout).toContain('--allow-no-auth: this Redis will answer without a password');
    }
    const again = await ctx.provision('provision after rollback --yes', '--yes');
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });
}
