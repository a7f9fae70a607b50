import { describe, expect, it } from 'vitest';
import {
  changesExit,
  EXIT,
  FLEET_CHILD_CHANGES,
  FLEET_CHILD_ENV,
  ProvisionError,
} from '../../../provisioning/lib/command/errors.ts';
import { argvForHost, fleetExit, type HostOutcome, summaryLine } from '../../../provisioning/lib/command/fleet.ts';
import { parseProvisionArgs } from '../../../provisioning/lib/command/options.ts';

const outcome = (host: string, exitCode: number, last = '✔ done'): HostOutcome => ({
  host,
  exitCode,
  ms: 1500,
  last,
  output: '',
});

describe('several --host', () => {
  it('are parsed as a list; the same host twice is refused', () => {
    const o = parseProvisionArgs(['--check', '--host', 'ops@a', '--host=ops@b', '--sudo'], {});
    expect(o.hosts).toEqual(['ops@a', 'ops@b']);
    expect(o.host).toBe('ops@a');
    expect(() => parseProvisionArgs(['--check', '--host', 'a', '--host', 'a'], {})).toThrow(/same host given twice/);
  });

  it('each child gets the same options with exactly one --host', () => {
    expect(argvForHost(['--yes', '--host', 'a', '--sudo', '--host=b', '--password-file', '/f'], 'b')).toEqual([
      '--yes',
      '--sudo',
      '--password-file',
      '/f',
      '--host',
      'b',
    ]);
  });

  it('exit: any failure → 1, else unreachable → 3, else changes → 1, else 0; one line per host names the outcome', () => {
    expect(fleetExit([outcome('a', 0), outcome('b', 0)])).toBe(0);
    expect(fleetExit([outcome('a', 0), outcome('b', FLEET_CHILD_CHANGES)])).toBe(1);
    expect(fleetExit([outcome('a', FLEET_CHILD_CHANGES), outcome('b', 3)])).toBe(3);
    expect(fleetExit([outcome('a', 1), outcome('b', 3)])).toBe(1);
    expect(fleetExit([outcome('a', 0), outcome('b', 2)])).toBe(1);
    expect(summaryLine(outcome('a', FLEET_CHILD_CHANGES, '  ~ [config] /etc/redis/redis.conf'))).toMatch(
      /^a: changes to apply in 1\.5 s/,
    );
    expect(summaryLine(outcome('b', 3, '✖ ssh b failed: Connection refused'))).toBe(
      'b: UNREACHABLE (exit 3) in 1.5 s — ssh b failed: Connection refused',
    );
    expect(summaryLine(outcome('c', 1, '✖ verification failed'))).toBe(
      'c: FAILED (exit 1) in 1.5 s — verification failed',
    );
  });
});

describe('exit codes (docs/exit-codes.md)', () => {
  it('usage 2, failure and drift 1, unreachable 3', () => {
    expect(EXIT).toEqual({ OK: 0, FAILED: 1, DRIFT: 1, USAGE: 2, UNREACHABLE: 3 });
    expect(new ProvisionError('E_USAGE', 'x').exitCode).toBe(2);
    expect(new ProvisionError('E_BUDGET', 'x').exitCode).toBe(2);
    expect(new ProvisionError('E_SECRET', 'x').exitCode).toBe(2);
    expect(new ProvisionError('E_UNREACHABLE', 'x').exitCode).toBe(3);
    expect(new ProvisionError('E_UNSUPPORTED_HOST', 'x').exitCode).toBe(1);
    expect(new ProvisionError('E_VERIFY_FAILED', 'x').exitCode).toBe(1);
  });

  it('--check with changes exits 1, and the private code only inside a fleet child', () => {
    const before = process.env[FLEET_CHILD_ENV];
    try {
      delete process.env[FLEET_CHILD_ENV];
      expect(changesExit()).toBe(1);
      process.env[FLEET_CHILD_ENV] = '1';
      expect(changesExit()).toBe(FLEET_CHILD_CHANGES);
    } finally {
      if (before === undefined) delete process.env[FLEET_CHILD_ENV];
      else process.env[FLEET_CHILD_ENV] = before;
    }
  });
});
