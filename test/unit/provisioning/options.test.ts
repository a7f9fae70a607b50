import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseProvisionArgs } from '../../../provisioning/lib/command/options.ts';

const parse = (...argv: string[]) => parseProvisionArgs(argv, {});

describe('parseProvisionArgs', () => {
  it('defaults to the plan', () => {
    const o = parse('--check');
    expect(o).toMatchObject({
      check: true,
      yes: false,
      maxmemory: '200mb',
      policy: 'allkeys-lru',
      port: 6379,
      bind: ['127.0.0.1', '-::1'],
      persistence: true,
      namespace: 'fastnpc',
      extra: [],
      root: DEFAULTS.root,
      sudo: false,
    });
  });

  it('reads every option', () => {
    const o = parse(
      '--yes',
      '--maxmemory=256mb',
      '--policy',
      'volatile-lru',
      '--port',
      '6380',
      '--bind',
      '127.0.0.1',
      '--password-file',
      '/run/secrets/redis',
      '--app-user',
      'fastnpc_app',
      '--app-password-file',
      '/run/secrets/app',
      '--namespace',
      'npc',
      '--no-persistence',
      '--extra',
      'hz 20',
      '--extra',
      'latency-monitor-threshold 100',
      '--host',
      'ops@cache1',
      '--sudo',
      '--root',
      '/tmp/r',
      '--os-release',
      '/tmp/os',
    );
    expect(o).toMatchObject({
      yes: true,
      maxmemory: '256mb',
      policy: 'volatile-lru',
      port: 6380,
      bind: ['127.0.0.1'],
      passwordFile: '/run/secrets/redis',
      appUser: 'fastnpc_app',
      appPasswordFile: '/run/secrets/app',
      namespace: 'npc',
      persistence: false,
      extra: ['hz 20', 'latency-monitor-threshold 100'],
      host: 'ops@cache1',
      sudo: true,
      root: '/tmp/r',
      osRelease: '/tmp/os',
    });
  });

  it('takes root and os-release from the environment', () => {
    const o = parseProvisionArgs(['--check'], { PROVISION_ROOT: '/tmp/x', PROVISION_OS_RELEASE: '/tmp/o' });
    expect(o.root).toBe('/tmp/x');
    expect(o.osRelease).toBe('/tmp/o');
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['--password', 'x'], /never taken from the command line/],
    [['--requirepass=x'], /unknown option --requirepass/],
    [['--bind', '0.0.0.0'], /refused: the plan keeps Redis on loopback/],
    [['--bind', 'redis.local'], /not an IP address/],
    [['--policy', 'lru'], /not a maxmemory-policy/],
    [['--port', '70000'], /not a TCP port/],
    [['--extra', 'a\nrequirepass x'], /one directive per --extra/],
    [['--check', '--yes'], /exclude each other/],
    [['--app-user', 'default'], /requirepass user/],
    [['--app-user', '1bad name'], /user name/],
    [['--sudo'], /only applies with --host/],
    [['--host=-oProxyCommand=x'], /expected user@server/],
    [['stray'], /unknown argument stray/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });
});
