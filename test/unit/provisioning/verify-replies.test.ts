/**
 * verifyLive reads redis-cli's raw replies per command (D3) and knows Redis's built-in save rules (D4). The target is
 * a fake that answers with redis-cli output recorded from redis-server 7.0 (an error reply is followed by a blank line).
 */
import { describe, expect, it } from 'vitest';
import { verifyLive } from '../../../provisioning/lib/checks/verify.ts';
import { BUILT_IN_SAVE_RULES, parseConfig, saveRulesOf } from '../../../provisioning/lib/config/render-config.ts';
import type { ExecResult, Target } from '../../../provisioning/lib/host/target.ts';

function fakeTarget(answer: (input: string) => string): Target & { inputs: string[] } {
  const inputs: string[] = [];
  return {
    name: 'fake',
    remote: false,
    inputs,
    exec: async (_argv, options = {}): Promise<ExecResult> => {
      inputs.push(options.input ?? '');
      return { stdout: answer(options.input ?? ''), stderr: '', exitCode: 0 };
    },
  };
}

const NOAUTH = 'NOAUTH Authentication required.\n\n';
const PASSWORDED =
  'port 6379\nbind 127.0.0.1 -::1\nmaxmemory 200mb\nmaxmemory-policy allkeys-lru\nsave 900 1\nrequirepass file-password-123\n';

describe('verifyLive reads each reply in its place (D3)', () => {
  it('a refused AUTH is reported as such and does not shift the later replies', async () => {
    // what redis-cli printed when the running server had another password than the file
    const target = fakeTarget((input) =>
      input.startsWith('AUTH')
        ? `WRONGPASS invalid username-password pair or user is disabled.\n\n${NOAUTH.repeat(6)}`
        : NOAUTH,
    );
    const checks = await verifyLive(target, PASSWORDED);
    const by = (s: string) => checks.find((c) => c.setting === s)!;
    expect(by('ping').ok).toBe(false);
    expect(by('ping').actual).toMatch(/^AUTH refused: WRONGPASS/);
    expect(by('maxmemory').actual).toBe('NOAUTH Authentication required.');
    expect(by('maxmemory-policy').actual).toBe('NOAUTH Authentication required.');
    // the password went on stdin only
    expect(target.inputs[0]).toContain('AUTH file-password-123');
  });

  it('with the right password every CONFIG GET value lands on its setting', async () => {
    const target = fakeTarget((input) =>
      input.startsWith('AUTH')
        ? 'OK\nPONG\nmaxmemory\n209715200\nmaxmemory-policy\nallkeys-lru\nsave\n900 1\nport\n6379\nbind\n127.0.0.1 -::1\n'
        : NOAUTH,
    );
    const checks = await verifyLive(target, PASSWORDED);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.setting)).toEqual([
      'ping',
      'maxmemory',
      'maxmemory-policy',
      'save',
      'port',
      'bind',
      'requirepass',
    ]);
  });

  it('an empty value (save "") is a value, not a missing reply', async () => {
    const target = fakeTarget(
      () => 'PONG\nmaxmemory\n0\nmaxmemory-policy\nnoeviction\nsave\n\nport\n6379\nbind\n127.0.0.1\n',
    );
    const checks = await verifyLive(target, 'port 6379\nbind 127.0.0.1\nsave ""\n');
    expect(checks.filter((c) => !c.ok)).toEqual([]);
  });
});

describe("a file without save lines runs on Redis's built-in rules (D4)", () => {
  it('saveRulesOf gives the built-in rules; save "" stays empty', () => {
    expect(saveRulesOf(parseConfig('port 6379\n# save 3600 1\n'))).toBe(BUILT_IN_SAVE_RULES);
    expect(BUILT_IN_SAVE_RULES).toBe('3600 1 300 100 60 10000');
    expect(saveRulesOf(parseConfig('save ""\n'))).toBe('');
  });

  it("verifying the package's own redis.conf (no save line) against a server on its defaults passes", async () => {
    const target = fakeTarget(
      () =>
        'PONG\nmaxmemory\n0\nmaxmemory-policy\nnoeviction\nsave\n3600 1 300 100 60 10000\nport\n6379\nbind\n127.0.0.1 -::1\n',
    );
    const checks = await verifyLive(target, 'bind 127.0.0.1 -::1\nport 6379\ndaemonize yes\n');
    expect(checks.find((c) => c.setting === 'save')).toMatchObject({ expected: '3600 1 300 100 60 10000', ok: true });
  });
});
