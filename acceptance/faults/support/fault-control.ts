/**
 * Fault control: how a fault row acts on Redis, PostgreSQL and worker 1. On the local target the rows start
 * their own private stack and act on its processes. An external target gets fault rows only when the operator
 * grants fault control (`--allow-faults`, ACCEPTANCE_ALLOW_FAULTS) and says how, with shell commands run on the
 * gate's host (`sh -c`, e.g. `systemctl kill -s STOP redis-server`, `ssh db sudo systemctl restart postgresql`).
 * Commands may hold host names, never secrets: they are not logged, only the setting's name is.
 */
import { spawn } from 'node:child_process';
import { acceptanceEnv } from '../../environment.ts';

export type FaultAction =
  | 'redisStop'
  | 'redisCont'
  | 'redisKill'
  | 'redisStart'
  | 'postgresRestart'
  | 'worker1Stop'
  | 'worker1Cont'
  | 'worker1Kill'
  | 'partition'
  | 'heal';

/** The environment variable holding each action's command, and what it must do. */
export const FAULT_COMMANDS: Record<FaultAction, { setting: string; does: string }> = {
  redisStop: { setting: 'FAULT_REDIS_STOP_CMD', does: 'pause the Redis process (SIGSTOP)' },
  redisCont: { setting: 'FAULT_REDIS_CONT_CMD', does: 'resume the paused Redis process (SIGCONT)' },
  redisKill: { setting: 'FAULT_REDIS_KILL_CMD', does: 'kill Redis without a save (SIGKILL)' },
  redisStart: {
    setting: 'FAULT_REDIS_START_CMD',
    does: 'start Redis again on its data directory (it loads its last snapshot); returns once it accepts connections',
  },
  postgresRestart: {
    setting: 'FAULT_POSTGRES_RESTART_CMD',
    does: 'restart PostgreSQL with a fast shutdown (pg_ctl restart -m fast, systemctl restart postgresql)',
  },
  worker1Stop: { setting: 'FAULT_WORKER1_STOP_CMD', does: 'pause worker 1 (WORKER1_URL) (SIGSTOP)' },
  worker1Cont: { setting: 'FAULT_WORKER1_CONT_CMD', does: 'resume worker 1 (SIGCONT)' },
  worker1Kill: { setting: 'FAULT_WORKER1_KILL_CMD', does: 'kill worker 1 (SIGKILL; its supervisor restarts it)' },
  partition: { setting: 'FAULT_PARTITION_CMD', does: 'cut worker 1 (only) off from Redis, packets dropped' },
  heal: { setting: 'FAULT_HEAL_CMD', does: 'undo FAULT_PARTITION_CMD' },
};

/** What each row does to the target, besides requests and Redis admin commands (SAVE, FLUSHALL, CONFIG SET). */
export const ACTIONS_OF_ROW: Record<string, readonly FaultAction[]> = {
  F1: ['redisKill', 'redisStart'],
  F2: ['redisStop', 'redisCont', 'worker1Stop', 'worker1Cont'],
  F3: [],
  F4: [],
  F5: ['postgresRestart'],
  F6: ['partition', 'heal'],
  F7: ['redisKill', 'redisStart', 'worker1Kill'],
};

export const FAULT_ROW_IDS = Object.keys(ACTIONS_OF_ROW);

/** What an external target needs besides the commands: who to talk to, and permission to register users. */
export const FAULT_TARGET_SETTINGS: ReadonlyArray<{ setting: string; why: string }> = [
  { setting: 'WORKER1_URL', why: 'the workload writes on one worker and reads on the other' },
  { setting: 'WORKER2_URL', why: 'the workload writes on one worker and reads on the other' },
  { setting: 'DATABASE_URL', why: 'every cached entry is compared with PostgreSQL after the fault' },
  {
    setting: 'ACCEPTANCE_ALLOW_CREATE',
    why: 'the workload registers its own users and creates one character each (set it to 1)',
  },
];

export class FaultControlError extends Error {
  override readonly name = 'FaultControlError';
  readonly code = 'E_FAULT_CONTROL';
}

/**
 * Rows the operator granted fault control for: ACCEPTANCE_ALLOW_FAULTS = `all` or a comma list (F1,F3).
 * Returns [] when not granted. Throws FaultControlError on an unknown row.
 */
export function grantedRows(env: NodeJS.ProcessEnv = acceptanceEnv()): string[] {
  const raw = (env.ACCEPTANCE_ALLOW_FAULTS ?? '').trim();
  if (!raw) return [];
  if (raw.toLowerCase() === 'all') return [...FAULT_ROW_IDS];
  const rows: string[] = [];
  for (const part of raw.split(',')) {
    const id = part.trim().toUpperCase();
    if (!id) continue;
    if (!FAULT_ROW_IDS.includes(id)) {
      throw new FaultControlError(
        `--allow-faults: unknown fault row "${part.trim()}" (one of ${FAULT_ROW_IDS.join(', ')})`,
      );
    }
    if (!rows.includes(id)) rows.push(id);
  }
  return rows;
}

/**
 * Checks a grant before anything runs: an external target only, the target settings the workload needs, and the
 * command of every action of every granted row. Throws FaultControlError naming the first missing setting.
 */
export function checkFaultControl(kind: string, env: NodeJS.ProcessEnv = acceptanceEnv()): void {
  const rows = grantedRows(env);
  if (rows.length === 0) return;
  if (kind !== 'external') {
    throw new FaultControlError(
      `--allow-faults applies to --target external only (the ${kind} target runs its fault rows on private stacks)`,
    );
  }
  for (const { setting, why } of FAULT_TARGET_SETTINGS) {
    const value = env[setting];
    if (!value || (setting === 'ACCEPTANCE_ALLOW_CREATE' && value !== '1')) {
      throw new FaultControlError(`--allow-faults needs ${setting}: ${why}`);
    }
  }
  for (const row of rows) {
    for (const action of ACTIONS_OF_ROW[row] ?? []) {
      const { setting, does } = FAULT_COMMANDS[action];
      if (!(env[setting] ?? '').trim()) {
        throw new FaultControlError(`--allow-faults ${row} needs ${setting}: a command that does ${does}`);
      }
    }
  }
}

/** The actions as functions: each resolves when its step is done, throws when it failed. */
export type FaultControl = Record<FaultAction, () => Promise<void>>;

const COMMAND_TIMEOUT_MS = 60_000;

function runCommand(setting: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-400);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new FaultControlError(`${setting} could not run: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new FaultControlError(`${setting} failed (exit ${code ?? signal}): ${stderr.trim()}`));
    });
  });
}

/** Fault control of an external target, from the FAULT_*_CMD settings (checked by checkFaultControl). */
export function commandFaultControl(env: NodeJS.ProcessEnv = acceptanceEnv()): FaultControl {
  const control = {} as FaultControl;
  for (const [action, { setting }] of Object.entries(FAULT_COMMANDS) as [FaultAction, { setting: string }][]) {
    control[action] = async () => {
      const command = (env[setting] ?? '').trim();
      if (!command) throw new FaultControlError(`fault control not granted: ${setting} is not set`);
      await runCommand(setting, command);
    };
  }
  return control;
}
