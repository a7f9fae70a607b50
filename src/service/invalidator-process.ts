import { type ChildProcess, spawn } from 'node:child_process';
import { program, programExecArgv } from './programs.ts';

const INVALIDATOR_CLI = 'src/invalidator/cli.ts';

export interface SupervisedInvalidator {
  stop(): Promise<void>;
}

/**
 * Runs `npm run invalidator` (profile `reference`) as a child of the service's primary and restarts it when it
 * dies (0.5 s, doubling to 10 s while it keeps dying). DATABASE_URL / REDIS_URL / REDIS_PASSWORD reach it through
 * its environment, never argv. The back-off counts crashes only: a Redis or PostgreSQL fault ends one of the
 * invalidator's sessions inside the process (it logs it and starts the next one), it never makes the process exit.
 */
export function superviseInvalidator(options: { env: NodeJS.ProcessEnv; execArgv: string[] }): SupervisedInvalidator {
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  const start = (): void => {
    const startedAt = Date.now();
    const argv = [
      ...programExecArgv(INVALIDATOR_CLI, options.execArgv),
      program(INVALIDATOR_CLI).file,
      '--profile',
      'reference',
    ];
    const proc = spawn(process.execPath, argv, {
      env: options.env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child = proc;
    proc.once('exit', (code, signal) => {
      if (stopping) return;
      failures = Date.now() - startedAt > 30_000 ? 0 : failures + 1;
      const delay = Math.min(10_000, 500 * 2 ** Math.max(0, failures - 1));
      console.warn(
        JSON.stringify({ level: 'warn', msg: 'invalidator died; restarting it', code, signal, restartInMs: delay }),
      );
      restartTimer = setTimeout(start, delay);
      restartTimer.unref();
    });
  };
  start();
  return {
    stop: async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGTERM');
      });
    },
  };
}
