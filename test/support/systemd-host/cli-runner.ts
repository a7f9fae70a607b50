import { readdirSync, readFileSync } from 'node:fs';
import { programArgs } from '../../../src/service/programs.ts';
import { runCaptured } from '../run-captured.ts';
import { REPO } from './host.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface StepRecord {
  step: string;
  code: number;
  ms: number;
}

/**
 * Runs the project's own commands (provision, audit, rollback) on this machine as ops would, records each step's exit
 * code and time for the closing table, keeps every output to search for secrets, and samples every process's argv
 * (this machine's /proc also shows the container's processes) every 25 ms while a command runs.
 */
export class CliRunner {
  readonly outputs: string[] = [];
  readonly argvHits: string[] = [];
  readonly steps: StepRecord[] = [];
  argvSamples = 0;

  constructor(private readonly secrets: () => string[]) {}

  scanArgv(): void {
    const secrets = this.secrets();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      this.argvSamples++;
      for (const s of secrets) if (cmdline.includes(s)) this.argvHits.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
    }
  }

  async run(
    step: string,
    name: 'provision' | 'audit' | 'rollback' | 'provision-topology',
    args: string[],
  ): Promise<CliRun> {
    const started = Date.now();
    const result = await runCaptured('node', programArgs(`provisioning/cli/${name}.ts`, args), {
      cwd: REPO,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', REDIS_PASSWORD: '', REDIS_APP_PASSWORD: '' },
      watch: () => this.scanArgv(),
    });
    const ms = Date.now() - started;
    this.outputs.push(result.stdout, result.stderr);
    this.steps.push({ step, code: result.code, ms });
    return { ...result, ms };
  }

  /** Records a step that is not a CLI run (kill, reboot) in the closing table. */
  record(step: string, code: number, ms: number): void {
    this.steps.push({ step, code, ms });
  }

  table(title: string): string {
    const width = Math.max(...this.steps.map((s) => s.step.length), 4);
    const lines = this.steps.map(
      (s) => `| ${s.step.padEnd(width)} | ${String(s.code).padStart(4)} | ${(s.ms / 1000).toFixed(1).padStart(6)} s |`,
    );
    return [
      title,
      `| ${'step'.padEnd(width)} | exit |   time   |`,
      `|${'-'.repeat(width + 2)}|------|----------|`,
      ...lines,
    ].join('\n');
  }
}
