import { spawn } from 'node:child_process';

export interface CapturedRun {
  /** Exit code; -1 when the process was killed by a signal (e.g. after `timeoutMs`). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CaptureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. @default '' */
  input?: string;
  /** SIGKILL after this long. @default no limit */
  timeoutMs?: number;
  /** Called every 25 ms while the child runs and once when it ended (e.g. to search every process's argv). */
  watch?: () => void;
}

/** Runs a command to its end and collects its output; never a shell. Rejects only when it cannot be started. */
export function runCaptured(
  command: string,
  args: readonly string[],
  options: CaptureOptions = {},
): Promise<CapturedRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdin.on('error', () => {}); // a child that exits before reading its input
    child.stdin.end(options.input ?? '');
    const watcher = options.watch ? setInterval(options.watch, 25) : undefined;
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    const done = (): void => {
      clearInterval(watcher);
      clearTimeout(timer);
    };
    child.once('error', (error) => {
      done();
      reject(error);
    });
    child.once('close', (code) => {
      done();
      options.watch?.();
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
  });
}
