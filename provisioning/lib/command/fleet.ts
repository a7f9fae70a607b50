import { spawn } from 'node:child_process';
import { EXIT, FLEET_CHILD_CHANGES, FLEET_CHILD_ENV } from './errors.ts';
import { say } from './report.ts';
import { childEnv } from './variables.ts';

/** One host's run when several `--host` are given. */
export interface HostOutcome {
  host: string;
  /** The child's exit code: 0, FLEET_CHILD_CHANGES (`--check` found changes), 3 unreachable, else failed. */
  exitCode: number;
  ms: number;
  /** The run's last message line (the failure, or its closing line). */
  last: string;
  output: string;
}

/** `argv` with every `--host X` / `--host=X` removed and `--host host` added. */
export function argvForHost(argv: readonly string[], host: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--host') {
      i++;
      continue;
    }
    if (arg.startsWith('--host=')) continue;
    out.push(arg);
  }
  return [...out, '--host', host];
}

function runOne(argv: readonly string[], host: string, argvFor: ArgvFor): Promise<HostOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    // The same command (same node flags, same script) for one host; secrets stay in files / the environment.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argvFor(argv, host)], {
      env: childEnv({ FORCE_COLOR: '0', [FLEET_CHILD_ENV]: '1' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.once('close', (code) => {
      const lines = output.trim().split('\n').filter(Boolean);
      resolve({ host, exitCode: code ?? EXIT.FAILED, ms: Date.now() - started, last: lines.at(-1) ?? '', output });
    });
  });
}

export function summaryLine(o: HostOutcome): string {
  const what =
    o.exitCode === EXIT.OK
      ? 'ok'
      : o.exitCode === FLEET_CHILD_CHANGES
        ? 'changes to apply'
        : o.exitCode === EXIT.UNREACHABLE
          ? `UNREACHABLE (exit ${EXIT.UNREACHABLE})`
          : `FAILED (exit ${o.exitCode})`;
  return `${o.host}: ${what} in ${(o.ms / 1000).toFixed(1)} s — ${o.last.replace(/^[✔✖!▸]\s*/u, '')}`;
}

/**
 * The fleet's exit code (docs/exit-codes.md): 1 if any host failed; else 3 if any host could not be reached; else 1
 * if any host has changes to apply (`--check`: drift); else 0.
 */
export function fleetExit(outcomes: readonly HostOutcome[]): number {
  const codes = outcomes.map((o) => o.exitCode);
  if (codes.some((c) => c !== EXIT.OK && c !== EXIT.UNREACHABLE && c !== FLEET_CHILD_CHANGES)) return EXIT.FAILED;
  if (codes.includes(EXIT.UNREACHABLE)) return EXIT.UNREACHABLE;
  return codes.includes(FLEET_CHILD_CHANGES) ? EXIT.DRIFT : EXIT.OK;
}

/** The child's argv for one host. */
export type ArgvFor = (argv: readonly string[], host: string) => string[];

/**
 * Runs the command once per host, in parallel (one child process each, so one host's failure cannot stop another's),
 * prints each host's output as a block prefixed with its name, then one summary line per host; returns the outcomes.
 */
export async function runEachHost(
  argv: readonly string[],
  hosts: readonly string[],
  argvFor: ArgvFor = argvForHost,
): Promise<HostOutcome[]> {
  say(`running on ${hosts.length} hosts in parallel: ${hosts.join(', ')}`);
  const outcomes = await Promise.all(hosts.map((h) => runOne(argv, h, argvFor)));
  for (const o of outcomes) say(o.output.trimEnd().replace(/^/gm, `[${o.host}] `));
  say('summary:');
  for (const o of outcomes) say(`  ${summaryLine(o)}`);
  return outcomes;
}

/** `runEachHost` and the fleet's exit code. */
export async function runOnEachHost(argv: readonly string[], hosts: readonly string[]): Promise<number> {
  return fleetExit(await runEachHost(argv, hosts));
}
