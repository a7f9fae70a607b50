import { describe, expect, it } from 'vitest';
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

  it('exit: any failure → 1, else changes → 2, else 0; one line per host names the outcome', () => {
    expect(fleetExit([outcome('a', 0), outcome('b', 0)])).toBe(0);
    expect(fleetExit([outcome('a', 0), outcome('b', 2)])).toBe(2);
    expect(fleetExit([outcome('a', 2), outcome('b', 69)])).toBe(1);
    expect(summaryLine(outcome('b', 69, '✖ ssh b failed: Connection refused'))).toBe(
      'b: FAILED (exit 69) in 1.5 s — ssh b failed: Connection refused',
    );
  });
});
