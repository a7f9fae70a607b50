import { type ChildProcess, spawn } from 'node:child_process';
import { $ } from 'zx';
import { ProvisionError } from '../command/errors.ts';
import { childEnv } from '../command/variables.ts';
import { type SshOptions, sshCommand } from './ssh.ts';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  /** Standard input (the only way a secret may reach a command). */
  input?: string;
  /** @default 60_000 */
  timeoutMs?: number;
  /** Extra environment (local only; never for secrets on a remote host). */
  env?: Record<string, string>;
}

/** The host a step runs on: this machine, or a remote one over SSH. Commands never throw on a non-zero exit. */
export interface Target {
  /** 'this host' or 'user@server'. */
  readonly name: string;
  readonly remote: boolean;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/**
 * zx's spawn, with the input pipe guarded: a command that exits before it reads its standard input (a remote
 * `redis-cli` not installed yet, ssh failing at once) breaks the pipe, and zx leaves that EPIPE unhandled, which would
 * kill the whole provisioning process. The command's exit code already says what happened.
 */
const spawnGuarded = ((...args: Parameters<typeof spawn>): ChildProcess => {
  const child = spawn(...args);
  child.stdin?.on('error', () => {});
  return child;
}) as typeof spawn;

async function run(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const out = await $({
    spawn: spawnGuarded,
    input: options.input ?? '',
    nothrow: true,
    quiet: true,
    verbose: false,
    timeout: options.timeoutMs ?? 60_000,
    env: childEnv({ ...options.env, LC_ALL: 'C' }),
  })`${argv}`;
  return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode ?? 1 };
}

export function localTarget(): Target {
  return { name: 'this host', remote: false, exec: (argv, options) => run(argv, options) };
}

export function sshTarget(options: SshOptions): Target {
  return {
    name: options.destination,
    remote: true,
    exec: async (argv, opts = {}) => {
      const result = await run(sshCommand(options, argv), { ...opts, env: {} });
      if (result.exitCode === 255) {
        throw new ProvisionError(
          'E_UNREACHABLE',
          `ssh ${options.destination} failed: ${result.stderr.trim().split('\n').pop() ?? 'exit 255'}`,
        );
      }
      return result;
    },
  };
}

/** Runs and throws E_STEP_FAILED (naming the step) on a non-zero exit. */
export async function must(target: Target, step: string, argv: readonly string[], options?: ExecOptions) {
  const result = await target.exec(argv, options);
  if (result.exitCode !== 0) throw stepFailed(target, step, result);
  return result;
}

/** The error of a step whose command exited non-zero: its last lines of output, exit code and host. */
export function stepFailed(target: Target, step: string, result: ExecResult): ProvisionError {
  const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ');
  return new ProvisionError('E_STEP_FAILED', `${step} failed on ${target.name} (exit ${result.exitCode}): ${detail}`);
}

/** What ops read when a restart needed systemd's start rate limit reset (restartUnit returned true). */
export function rateLimitNote(unit: string): string {
  return `systemd refused to restart ${unit} for its start rate limit (too many starts within StartLimitIntervalSec): reset-failed, then restarted`;
}

/**
 * `systemctl restart <unit>`, once more after `systemctl reset-failed` when systemd refused it for its start rate
 * limit (`Result=start-limit-hit`: by default 5 starts within 10 s — ops who provision, roll back and provision
 * again within seconds reach it). A restart asked for by ops is not a crash loop; any other failure is thrown.
 * Returns whether the rate limit had to be reset.
 */
export async function restartUnit(target: Target, unit: string): Promise<boolean> {
  const step = `systemctl restart ${unit}`;
  const first = await target.exec(['systemctl', 'restart', unit]);
  if (first.exitCode === 0) return false;
  const result = (await target.exec(['systemctl', 'show', '-p', 'Result', '--value', unit])).stdout.trim();
  if (result !== 'start-limit-hit') throw stepFailed(target, step, first);
  await must(target, `systemctl reset-failed ${unit}`, ['systemctl', 'reset-failed', unit]);
  await must(target, step, ['systemctl', 'restart', unit]);
  return true;
}

/** The text of a file, or undefined when it does not exist. */
export async function readText(target: Target, path: string): Promise<string | undefined> {
  // A file that vanishes between the test and the read (Redis removes its pidfile while a restart runs) is absent.
  const result = await target.exec([
    'sh',
    '-c',
    'test -e "$1" || exit 3; cat -- "$1" || { test -e "$1" || exit 3; exit 1; }',
    'sh',
    path,
  ]);
  if (result.exitCode === 3) return undefined;
  if (result.exitCode !== 0) {
    throw new ProvisionError('E_STEP_FAILED', `reading ${path} on ${target.name} failed: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export interface FileMeta {
  owner: string;
  group: string;
  mode: string;
}

export async function statFile(target: Target, path: string): Promise<FileMeta | undefined> {
  const result = await target.exec(['stat', '-c', '%U %G %a', '--', path]);
  if (result.exitCode !== 0) return undefined;
  const [owner = '', group = '', mode = ''] = result.stdout.trim().split(' ');
  return { owner, group, mode: mode.padStart(4, '0') };
}

/** Writes a file atomically (temp file + rename) with owner, group and mode; the content travels on stdin. */
export async function writeFileAtomic(target: Target, path: string, content: string, meta: FileMeta): Promise<void> {
  await must(
    target,
    `writing ${path}`,
    [
      'sh',
      '-c',
      'umask 077; mkdir -p -- "$(dirname -- "$1")" && t="$1.provision-tmp" && cat > "$t" && chown "$2:$3" "$t" && chmod "$4" "$t" && mv -f -- "$t" "$1"',
      'sh',
      path,
      meta.owner,
      meta.group,
      meta.mode,
    ],
    { input: content },
  );
}

/** Creates a directory (and parents) when missing, then sets owner and mode; returns whether it was created. */
export async function ensureDir(target: Target, path: string, meta: FileMeta): Promise<boolean> {
  const result = await must(target, `creating ${path}`, [
    'sh',
    '-c',
    'c=0; if [ ! -d "$1" ]; then mkdir -p -- "$1"; c=1; fi; chown "$2:$3" "$1" && chmod "$4" "$1" && echo $c',
    'sh',
    path,
    meta.owner,
    meta.group,
    meta.mode,
  ]);
  return result.stdout.trim() === '1';
}
