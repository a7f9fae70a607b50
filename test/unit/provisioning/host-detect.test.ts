import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  detectHost,
  parseCgroupLimit,
  parseMemTotal,
  parseOsRelease,
  supportedHost,
} from '../../../provisioning/lib/host/host-detect.ts';
import { layoutFor } from '../../../provisioning/lib/host/layout.ts';
import { localTarget } from '../../../provisioning/lib/host/target.ts';

const osRelease = (id: string, version: string, pretty: string) =>
  `PRETTY_NAME="${pretty}"\nNAME="x"\nVERSION_ID="${version}"\nID=${id}\n`;

describe('supportedHost', () => {
  it.each([
    ['ubuntu', '24.04', '7.0'],
    ['debian', '12', '7.0'],
    ['ubuntu', '22.04', '6.0'],
    ['debian', '11', '6.0'],
  ])('%s %s ships Redis %s', (id, version, redis) => {
    expect(supportedHost(parseOsRelease(osRelease(id, version, 'x'))).redis).toBe(redis);
  });

  it.each([
    ['ubuntu', '20.04', 'Ubuntu 20.04.6 LTS'],
    ['debian', '10', 'Debian GNU/Linux 10 (buster)'],
    ['centos', '9', 'CentOS Stream 9'],
  ])('refuses %s %s naming it and what is supported', (id, version, pretty) => {
    expect(() => supportedHost(parseOsRelease(osRelease(id, version, pretty)))).toThrow(
      new RegExp(`${pretty.replace(/[().]/g, '\\$&')} is not supported: provisioning targets Ubuntu 24.04`),
    );
  });

  it('reads a memory cgroup limit (v1 and v2); "no limit" is none', () => {
    expect(parseCgroupLimit('2147483648\n')).toBe(2_147_483_648);
    expect(parseCgroupLimit('9223372036854771712\n')).toBeUndefined();
    expect(parseCgroupLimit('max\n')).toBeUndefined();
    expect(parseCgroupLimit(undefined)).toBeUndefined();
  });

  it('reads MemTotal', () => {
    expect(parseMemTotal('MemTotal:        2014116 kB\nMemFree: 1 kB\n')).toBe(2_014_116 * 1024);
  });
});

describe('detectHost with an injected os-release', () => {
  const root = mkdtempSync(join(tmpdir(), 'host-detect-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses an unsupported OS read from the injected file (exit 1: it ran and refused)', async () => {
    const file = join(root, 'os-release-centos');
    writeFileSync(file, osRelease('centos', '9', 'CentOS Stream 9'));
    await expect(detectHost(localTarget(), layoutFor(root, file))).rejects.toMatchObject({
      code: 'E_UNSUPPORTED_HOST',
      exitCode: 1,
    });
  });

  it('reads Ubuntu 22.04 from the injected file; no systemd under the test root', async () => {
    const file = join(root, 'os-release-jammy');
    writeFileSync(file, osRelease('ubuntu', '22.04', 'Ubuntu 22.04.4 LTS'));
    const host = await detectHost(localTarget(), layoutFor(root, file));
    expect(host.pretty).toBe('Ubuntu 22.04.4 LTS');
    expect(host.systemd).toBe(false);
    expect(host.totalRamBytes).toBeGreaterThan(0);
  });

  it('reports a missing os-release clearly', async () => {
    await expect(detectHost(localTarget(), layoutFor(root, join(root, 'nope')))).rejects.toThrow(/not found/);
  });
});
