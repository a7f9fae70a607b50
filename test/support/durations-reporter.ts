import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** One test file's time, as CI keeps it (reports/tests/durations.json). */
export interface FileDuration {
  project: string;
  file: string;
  /** Wall time of the file's tests and hooks, ms (what a slower file costs the run when files run one by one). */
  ms: number;
  /** Its import, setup and collection before the first test, ms. */
  setupMs: number;
  state: string;
}

/** Where the durations go: the folder CI keeps as an artifact (VITEST_DURATIONS_FILE to move it). */
export const DURATIONS_FILE = resolve(process.env.VITEST_DURATIONS_FILE ?? 'reports/tests/durations.json');

/** Per-file durations, slowest first. */
export function fileDurations(testModules: ReadonlyArray<TestModule>, root = process.cwd()): FileDuration[] {
  return testModules
    .map((m) => {
      const d = m.diagnostic();
      return {
        project: m.project.name,
        file: relative(root, m.moduleId),
        ms: Math.round(d.duration),
        setupMs: Math.round(d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration),
        state: m.state(),
      };
    })
    .sort((a, b) => b.ms + b.setupMs - (a.ms + a.setupMs));
}

/**
 * Records every test file's duration (issue 24: CI keeps them to see where its minutes go) and prints the five
 * slowest files above the closing line.
 */
export default class DurationsReporter implements Reporter {
  #started = Date.now();

  onTestRunStart(): void {
    this.#started = Date.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (testModules.length === 0) return;
    const files = fileDurations(testModules);
    const wallMs = Date.now() - this.#started;
    mkdirSync(dirname(DURATIONS_FILE), { recursive: true });
    writeFileSync(DURATIONS_FILE, `${JSON.stringify({ wallMs, files }, null, 2)}\n`);
    const slowest = files
      .slice(0, 5)
      .map((f) => `  ${((f.ms + f.setupMs) / 1000).toFixed(1).padStart(6)} s  ${f.file}`)
      .join('\n');
    process.stdout.write(
      `\nslowest test files (of ${files.length}, wall ${(wallMs / 1000).toFixed(0)} s; all in ${relative(process.cwd(), DURATIONS_FILE)}):\n${slowest}\n`,
    );
  }
}
