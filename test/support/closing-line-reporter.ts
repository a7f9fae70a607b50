import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/** What the closing line counts: test cases, plus every failure that is not a test case. */
export interface ClosingCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Test files that failed to load (syntax error, failing import) — each counts as one failure. */
  failedFiles: number;
  /** beforeAll/afterAll hooks that threw — each counts as one failure. */
  failedHooks: number;
  /** Errors vitest caught outside any test (unhandled rejections, errors after a test ended). */
  unhandledErrors: number;
}

/** Counts a finished run: a file, hook or unhandled error that failed is a failure even when no test case failed. */
export function countRun(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<SerializedError> = [],
): ClosingCounts {
  const counts: ClosingCounts = {
    passed: 0,
    failed: 0,
    skipped: 0,
    failedFiles: 0,
    failedHooks: 0,
    unhandledErrors: unhandledErrors.length,
  };
  for (const module of testModules) {
    let tests = 0;
    for (const test of module.children.allTests()) {
      tests += 1;
      const state = test.result().state;
      if (state === 'passed') counts.passed += 1;
      else if (state === 'failed') counts.failed += 1;
      else counts.skipped += 1;
    }
    const moduleErrors = module.errors().length;
    // A module error with no test collected is a file that did not load; with tests, it is a module-level hook.
    if (moduleErrors > 0 && tests === 0) counts.failedFiles += 1;
    else counts.failedHooks += moduleErrors;
    if (moduleErrors === 0 && module.state() === 'failed' && tests === 0) counts.failedFiles += 1;
    for (const suite of module.children.allSuites()) counts.failedHooks += suite.errors().length;
  }
  counts.failed += counts.failedFiles + counts.failedHooks + counts.unhandledErrors;
  return counts;
}

/** The closing line: "N passed, N failed[, N skipped]", then what the failures that are not test cases were. */
export function closingLine(counts: ClosingCounts): string {
  const extra = [
    counts.failedFiles && `${counts.failedFiles} file(s) failed to load`,
    counts.failedHooks && `${counts.failedHooks} hook(s) failed`,
    counts.unhandledErrors && `${counts.unhandledErrors} unhandled error(s)`,
  ].filter(Boolean);
  const line = `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`;
  return extra.length ? `(failed counts ${extra.join(', ')})\n${line}` : line;
}

/**
 * Ends the run with the plain closing line CI reads in any language — "N passed, N failed[, N skipped]" alone on
 * a line — counted from vitest's own results (the default reporter's summary is not in that form). A test file
 * that fails to import, a failing beforeAll/afterAll and an unhandled error each count as a failure.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    process.stdout.write(`\n${closingLine(countRun(testModules, unhandledErrors))}\n`);
  }
}
