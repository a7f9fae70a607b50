import { describe, expect, it } from 'vitest';
import { connectionFailure, decodeProcAddress, expectedFromConfig } from '../../../provisioning/lib/checks/audit.ts';
import { appUsersOf, summariseCheckSystem } from '../../../provisioning/lib/checks/verify.ts';
import { parseConfig } from '../../../provisioning/lib/config/render-config.ts';
import { forThrowaway, summariseRejection } from '../../../provisioning/lib/config/validate-candidate.ts';
import { desiredSysctl, renderSysctlFile } from '../../../provisioning/lib/kernel/sysctl.ts';
import { selectedMode } from '../../../provisioning/lib/kernel/thp.ts';

describe('audit helpers', () => {
  it('decodes /proc/net/tcp{,6} addresses', () => {
    expect(decodeProcAddress('0100007F')).toBe('127.0.0.1');
    expect(decodeProcAddress('00000000')).toBe('0.0.0.0');
    expect(decodeProcAddress('00000000000000000000000001000000')).toBe('::1');
    expect(decodeProcAddress('00000000000000000000000000000000')).toBe('::');
    expect(decodeProcAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
  });

  it('expects the repository redis.conf by default', () => {
    expect(expectedFromConfig()).toMatchObject({
      maxmemory: '200mb',
      policy: 'allkeys-lru',
      save: '900 1 300 10 60 10000',
      bind: '127.0.0.1 -::1',
      protectedMode: 'yes',
      timeout: 300,
      tcpKeepalive: 300,
      tcpBacklog: 511,
      appendonly: 'no',
      port: 6379,
    });
  });
});

describe('host tuning', () => {
  it('raises somaxconn to tcp-backlog but never lowers it', () => {
    expect(desiredSysctl('128', 511)).toEqual({ 'vm.overcommit_memory': '1', 'net.core.somaxconn': '511' });
    expect(desiredSysctl('4096', 511)['net.core.somaxconn']).toBe('4096');
    expect(renderSysctlFile(desiredSysctl('128', 511))).toMatch(
      /^vm\.overcommit_memory = 1\nnet\.core\.somaxconn = 511\n$/m,
    );
  });

  it('reads the selected THP mode', () => {
    expect(selectedMode('always [madvise] never')).toBe('madvise');
    expect(selectedMode('always defer defer+madvise madvise [never]')).toBe('never');
  });
});

describe('candidate validation helpers', () => {
  it('summarises a FATAL CONFIG FILE ERROR on one line', () => {
    const out = `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 101\n>>> 'no-such-directive "yes"'\nBad directive or wrong number of arguments\n`;
    expect(summariseRejection(out)).toBe(
      `at line 101: 'no-such-directive "yes"' — Bad directive or wrong number of arguments`,
    );
  });

  it("points only the throwaway copy's dir at its temp dir, keeping line numbers", () => {
    const text = 'a\ndir /var/lib/redis\nb\n';
    expect(forThrowaway(text)).toBe('a\ndir __CANDIDATE_DIR__\nb\n');
  });

  it('finds app users and their key pattern in a config', () => {
    expect(appUsersOf(parseConfig('user app on >pw-123456789 resetkeys ~fastnpc:* -@all\n'))).toEqual([
      { name: 'app', password: 'pw-123456789', keyPattern: 'fastnpc:*' },
    ]);
  });
});

describe('redis-server --check-system summary', () => {
  it('names each check and its verdict', () => {
    const out =
      '[slow-clocksource]...OK\n[xen-clocksource]...OK\n[overcommit]...WARNING:\nMemory overcommit must be enabled! …\n[THP]...OK\n';
    expect(summariseCheckSystem(out)).toBe('slow-clocksource OK, xen-clocksource OK, overcommit WARNING, THP OK');
  });
});

describe('connectionFailure (why the connection check failed)', () => {
  const wrongpass = 'WRONGPASS invalid username-password pair or user is disabled.';
  it('names the AUTH refusal whichever way the command then met the closed connection', () => {
    // a busy host: the server closed before the PING was written (the case a clean-clone run met) or after
    for (const thrown of [
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Connection is closed.'),
    ]) {
      expect(connectionFailure(thrown, wrongpass)).toBe(wrongpass);
    }
  });

  it('keeps an error that says why by itself, and the thrown one when no event was seen', () => {
    expect(connectionFailure(new Error('connect ECONNREFUSED 127.0.0.1:1'), wrongpass)).toBe(
      'connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(connectionFailure(new Error('Connection is closed.'), undefined)).toBe('Connection is closed.');
  });
});
