import { configDefaults, defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/longest-first-sequencer.ts';

/**
 * Test files that start everything they use (private redis-server / PostgreSQL on free ports, their own namespaces
 * and containers, random names) run side by side: most of their time is spent waiting on processes. On 2 cores, with
 * the children pre-built, four at once: a full run used about 1.1 cores at three, and 39 integration files took
 * 140–164 s at three, 132 s at four, 105 s at five with the same CPU (docs/measurements/ci.md); four leaves the
 * timing-judged rows some room. VITEST_MAX_WORKERS overrides it (1 runs them one by one).
 */
const SIDE_BY_SIDE = Number(process.env.VITEST_MAX_WORKERS) || 4;

/** Acceptance rows that start their own stack and never use the shared target's Redis or counters. */
const OWN_STACK_ROWS = ['acceptance/faults/**/*.test.ts', 'acceptance/topology/**/*.test.ts'];

/**
 * Files that load the host on purpose and whose figure is of that load alone, so nothing else may run beside them:
 * - the 03 judgement's saturated case must see the slow-cached-read defect FAIL with its own two busy loops running;
 *   beside three other files the host was too busy to measure at all (a clean-clone run: load 14.6, calibration p95
 *   55.6 ms, 03 NOT MEASURABLE instead of FAIL);
 * - the 2 GB host fills Redis while BGSAVE forks: beside other files the save ran slower and rewrote nearly the whole
 *   dataset (copy-on-write 189 MB + peak RSS 219 MB = 408 MiB, over the 400 MiB budget it checks).
 * They run last, one by one, after the shared-target rows.
 */
const ALONE = [
  'test/integration/acceptance/settings-latency-judgement.test.ts',
  'test/integration/provisioning/memory-budget-host.test.ts',
];

/**
 * The gate runs every acceptance row in one serial project, in its own order (src/gate/run-acceptance.ts sets this);
 * `npm test` runs the rows with their own stack beside the integration files, the rest after them, one by one.
 */
const gateRun = process.env.FASTNPC_VITEST_LAYOUT === 'gate';

/**
 * The service, its workers and the invalidator run from JS bundles of the current source built once per project
 * (test/support/prebuilt-programs.ts), not through tsx in each child process (PREBUILT_PROGRAMS=off: through tsx).
 */
const PREBUILT = { globalSetup: ['test/support/prebuilt-programs.ts'], setupFiles: ['test/support/prebuilt-setup.ts'] };

const acceptance = {
  environment: 'node',
  globalSetup: [...PREBUILT.globalSetup, 'acceptance/global-setup.ts'],
  setupFiles: PREBUILT.setupFiles,
  testTimeout: 180_000,
  hookTimeout: 180_000,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/durations-reporter.ts', './test/support/closing-line-reporter.ts'],
    outputFile: { junit: 'reports/tests/junit.xml' },
    // longest file first (the last run's durations, or the kept baseline): no long file left to run alone at the end
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // a few unit tests start a child process (tsx): beside the integration files on a 2-core runner that can
          // take longer than vitest's 5 s default — a deadlock guard, not a speed target
          testTimeout: 30_000,
          maxWorkers: SIDE_BY_SIDE,
        },
      },
      {
        test: {
          ...PREBUILT,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE],
          environment: 'node',
          testTimeout: 120_000,
          // a fixture starts PostgreSQL, redis-server and two workers, a test may start a whole service: beside two
          // other files on a 2-core runner that can take over a minute (deadlock guards, not speed targets)
          hookTimeout: 120_000,
          maxWorkers: SIDE_BY_SIDE,
        },
      },
      ...(gateRun
        ? []
        : [
            {
              test: {
                ...acceptance,
                name: 'acceptance-own-stack',
                include: OWN_STACK_ROWS,
                maxWorkers: SIDE_BY_SIDE,
              },
            },
          ]),
      {
        test: {
          ...acceptance,
          name: 'acceptance',
          include: ['acceptance/**/*.test.ts'],
          // npm test runs the shared-target rows with the deploy scope's workloads (what the gate runs on every
          // deploy: the same power, shorter — docs/acceptance.md); the gate passes its own --scope through
          env: { ACCEPTANCE_SCOPE: process.env.ACCEPTANCE_SCOPE ?? 'deploy' },
          exclude: gateRun ? configDefaults.exclude : [...configDefaults.exclude, ...OWN_STACK_ROWS],
          // After everything else, never beside it, one file at a time: its figures are timings and rates on one
          // shared target.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
      {
        test: {
          ...PREBUILT,
          name: 'alone',
          include: ALONE,
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
          fileParallelism: false,
        },
      },
    ],
  },
});
