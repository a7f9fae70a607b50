/**
 * Step 2 of the gate: the acceptance project (nine criteria + regressions), run in this process through vitest's
 * programmatic API. The gate's already started target is handed over to the project's globalSetup; console output of
 * the suites goes to reports/acceptance.log so stdout keeps only the progress line and the verdict table.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCase, TestModule, TestSpecification } from 'vitest/node';
import { BaseSequencer, startVitest } from 'vitest/node';
import { handOverTarget, type StartedTarget } from '../../acceptance/target/index.ts';
import { gateEnv } from './config.ts';
import type { Progress } from './progress.ts';
import { idOfFile, type SuiteResult } from './verdict.ts';

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs the suites in file order — criteria 01…09, then the regressions — instead of vitest's longest-first order,
 * so the latency criterion (03) runs early on a fresh, idle service and the Redis restart of R8 comes last.
 */
export class FileOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

export interface AcceptanceRun {
  suites: SuiteResult[];
  unhandledErrors: string[];
  logFile: string;
}

function suiteOf(module: TestModule): SuiteResult {
  const file = relative(REPOSITORY_ROOT, module.moduleId);
  const tests = { passed: 0, failed: 0, skipped: 0 };
  const errors: string[] = [];
  for (const test of module.children.allTests()) {
    const result = test.result();
    if (result.state === 'passed') tests.passed++;
    else if (result.state === 'failed') {
      tests.failed++;
      for (const e of result.errors ?? []) errors.push(`${test.name}: ${e.message ?? String(e)}`);
    } else tests.skipped++;
  }
  for (const e of module.errors()) errors.push(e.message ?? String(e));
  const state = module.state();
  return {
    id: idOfFile(file) ?? file,
    file,
    state: state === 'failed' || errors.length > 0 ? 'failed' : state === 'skipped' ? 'skipped' : 'passed',
    tests,
    errors,
    durationMs: module.diagnostic().duration,
  };
}

export async function runAcceptance(options: {
  target: StartedTarget;
  filters: string[];
  reportsDir: string;
  progress: Progress;
}): Promise<AcceptanceRun> {
  const logFile = join(resolve(options.reportsDir), 'acceptance.log');
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  const log = (text: string): void => appendFileSync(logFile, text.endsWith('\n') ? text : `${text}\n`);
  let total = 0;
  let started = 0;
  let passed = 0;
  let failed = 0;
  let result: AcceptanceRun = { suites: [], unhandledErrors: [], logFile };
  const reporter = {
    onTestRunStart(specs: ReadonlyArray<unknown>) {
      total = specs.length;
      options.progress.update(`acceptance: ${total} suites`);
    },
    onTestModuleStart(module: TestModule) {
      started++;
      const name = relative(REPOSITORY_ROOT, module.moduleId);
      log(`--- ${name}`);
      options.progress.row(started, total, name, `${passed} passed, ${failed} failed`);
    },
    onTestCaseResult(test: TestCase) {
      const state = test.result().state;
      if (state === 'passed') passed++;
      if (state === 'failed') failed++;
      log(`${state.toUpperCase()} ${test.fullName}`);
      for (const e of test.result().errors ?? []) log(`  ${e.message}`);
    },
    onUserConsoleLog(entry: { content: string }) {
      log(entry.content);
    },
    onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<{ message?: string }>) {
      result = {
        suites: modules.map(suiteOf),
        unhandledErrors: unhandled.map((e) => e.message ?? String(e)),
        logFile,
      };
    },
  };
  handOverTarget(options.target);
  // every row in the one serial 'acceptance' project, in this file order (vitest.config.ts reads it)
  gateEnv().FASTNPC_VITEST_LAYOUT = 'gate';
  let startError: string | undefined;
  try {
    const vitest = await startVitest(
      'test',
      options.filters,
      {
        root: REPOSITORY_ROOT,
        project: ['acceptance'],
        run: true,
        watch: false,
        passWithNoTests: false,
        reporters: [reporter],
      },
      { test: { sequence: { sequencer: FileOrderSequencer } } },
    );
    await vitest.close();
  } catch (error) {
    // vitest itself failed (bad config, no file matched): the run has no trustworthy result
    startError = `vitest did not run the acceptance suites: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    handOverTarget(undefined);
  }
  if (startError) result.unhandledErrors.push(startError);
  return result;
}
