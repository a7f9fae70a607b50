import { describe, expect, test } from 'vitest';
import {
  ACTIONS_OF_ROW,
  checkFaultControl,
  commandFaultControl,
  FAULT_COMMANDS,
  FaultControlError,
  grantedRows,
} from '../../../../acceptance/faults/support/fault-control.ts';
import { applyToEnv, parseArgs, UsageError } from '../../../../src/gate/args.ts';
import { main } from '../../../../src/gate/cli.ts';

/** Every command a row needs, as `true` (a no-op shell command). */
function commandsFor(rows: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const row of rows) for (const action of ACTIONS_OF_ROW[row]!) env[FAULT_COMMANDS[action].setting] = 'true';
  return env;
}

const TARGET: NodeJS.ProcessEnv = {
  WORKER1_URL: 'http://127.0.0.1:1',
  WORKER2_URL: 'http://127.0.0.1:2',
  DATABASE_URL: 'postgres://u@127.0.0.1/db',
  ACCEPTANCE_ALLOW_CREATE: '1',
};

describe('--allow-faults', () => {
  test('bare = all rows, =F1,f3 = those rows, absent = none', () => {
    expect(parseArgs(['--allow-faults']).allowFaults).toBe('all');
    expect(parseArgs(['--allow-faults=F1,f3']).allowFaults).toBe('F1,f3');
    expect(parseArgs([]).allowFaults).toBeUndefined();
    expect(() => parseArgs(['--allow-faults='])).toThrow(UsageError);
    const env: NodeJS.ProcessEnv = {};
    applyToEnv(parseArgs(['--allow-faults=F1,f3']), env);
    expect(grantedRows(env)).toEqual(['F1', 'F3']);
    expect(grantedRows({ ACCEPTANCE_ALLOW_FAULTS: 'all' })).toEqual(['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7']);
    expect(grantedRows({})).toEqual([]);
    expect(() => grantedRows({ ACCEPTANCE_ALLOW_FAULTS: 'F9' })).toThrow(/unknown fault row "F9"/);
  });

  test('not granted: nothing to check', () => {
    expect(() => checkFaultControl('external', {})).not.toThrow();
    expect(() => checkFaultControl('local', {})).not.toThrow();
  });

  test('only for an external target', () => {
    expect(() => checkFaultControl('local', { ACCEPTANCE_ALLOW_FAULTS: 'all' })).toThrow(/--target external only/);
  });

  test('names the first missing target setting', () => {
    for (const missing of Object.keys(TARGET)) {
      const env: NodeJS.ProcessEnv = { ...TARGET, ...commandsFor(['F3']), ACCEPTANCE_ALLOW_FAULTS: 'F3' };
      delete env[missing];
      expect(() => checkFaultControl('external', env)).toThrow(new RegExp(`needs ${missing}`));
    }
    expect(() =>
      checkFaultControl('external', { ...TARGET, ACCEPTANCE_ALLOW_CREATE: 'yes', ACCEPTANCE_ALLOW_FAULTS: 'F3' }),
    ).toThrow(/needs ACCEPTANCE_ALLOW_CREATE/);
  });

  test('names the missing command of a granted row, and only of granted rows', () => {
    const env = { ...TARGET, ACCEPTANCE_ALLOW_FAULTS: 'F5' };
    expect(() => checkFaultControl('external', env)).toThrow(/F5 needs FAULT_POSTGRES_RESTART_CMD/);
    expect(() => checkFaultControl('external', { ...env, FAULT_POSTGRES_RESTART_CMD: '  ' })).toThrow(
      FaultControlError,
    );
    expect(() => checkFaultControl('external', { ...env, FAULT_POSTGRES_RESTART_CMD: 'true' })).not.toThrow();
    const all: NodeJS.ProcessEnv = {
      ...TARGET,
      ...commandsFor(['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7']),
      ACCEPTANCE_ALLOW_FAULTS: 'all',
    };
    expect(() => checkFaultControl('external', all)).not.toThrow();
    delete all.FAULT_HEAL_CMD;
    expect(() => checkFaultControl('external', all)).toThrow(/F6 needs FAULT_HEAL_CMD/);
  });

  test('commands: success, failure named by its setting (the command itself is not echoed)', async () => {
    const control = commandFaultControl({
      FAULT_REDIS_KILL_CMD: 'true',
      FAULT_REDIS_START_CMD: 'echo oops >&2; exit 3',
    });
    await expect(control.redisKill()).resolves.toBeUndefined();
    await expect(control.redisStart()).rejects.toThrow('FAULT_REDIS_START_CMD failed (exit 3): oops');
    await expect(control.heal()).rejects.toThrow('fault control not granted: FAULT_HEAL_CMD is not set');
  });

  test('the gate exits 2 naming the missing setting before anything runs', async () => {
    const err: string[] = [];
    const se = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      err.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const env: NodeJS.ProcessEnv = { ...TARGET, PATH: process.env.PATH };
      const code = await main(
        [
          '--target',
          'external',
          '--base-url',
          'http://127.0.0.1:1',
          '--redis-url',
          'redis://127.0.0.1:1',
          '--allow-faults=F7',
          '--reports-dir',
          '/nonexistent/never-written',
        ],
        env,
      );
      expect(code).toBe(2);
      const local = await main(['--allow-faults'], { PATH: process.env.PATH });
      expect(local).toBe(2);
    } finally {
      process.stderr.write = se;
    }
    expect(err[0]).toContain('--allow-faults F7 needs FAULT_REDIS_KILL_CMD');
    expect(err[1]).toContain('--target external only');
  });
});
