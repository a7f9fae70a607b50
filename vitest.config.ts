import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs no services, `integration` starts private redis-server/PostgreSQL instances
// (and network namespaces for provisioning), `acceptance` proves the plan's nine criteria against a target.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/closing-line-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'acceptance',
          include: ['acceptance/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['acceptance/global-setup.ts'],
          // After the unit and integration projects, never beside them: its figures are timings and rates.
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
