/**
 * The test files' own switches (test/**, vitest.config.ts read them themselves): declared here so the docs list them
 * and the programs that warn about unknown FASTNPC_* / GATE_* names know them.
 */
import { defineRegistry, variable } from './registry.ts';

export const TEST_SWITCH_VARIABLES = {
  FASTNPC_NETNS: variable.oneOf(
    ['on', 'off'],
    '`off` skips the network-namespace tests on purpose (CI never sets it)',
    {
      default: 'on',
    },
  ),
  FASTNPC_SYSTEMD_HOST: variable.oneOf(
    ['on', 'off'],
    '`off` skips the systemd-host tests on purpose (CI never sets it)',
    {
      default: 'on',
    },
  ),
  FASTNPC_SYSTEMD_HOST_CACHE: variable.string("Where the systemd test hosts' Debian roots are built once per machine", {
    type: 'path',
    default: '/var/cache/fastnpc-harness',
  }),
  GATE_SCREENSHOT_DIR: variable.string("Where the report's screenshot test also leaves its PNGs", { type: 'path' }),
  VITEST_MAX_WORKERS: variable.int('Test files run side by side (unit, integration, acceptance-own-stack)', {
    default: 3,
    min: 1,
  }),
  VITEST_DURATIONS_FILE: variable.string("Where the durations reporter writes every file's time", {
    type: 'path',
    default: 'reports/tests/durations.json',
  }),
};

export const testSwitchRegistry = defineRegistry('tests', TEST_SWITCH_VARIABLES);
