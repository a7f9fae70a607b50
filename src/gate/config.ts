/**
 * The gate's variables (`npm start` / `npm run gate`), declared once, and its environment. The gate runs the
 * acceptance suites in its own process (vitest) and hands them its settings through the process environment (its
 * flags written in first, `applyToEnv`), so the suites' variables (acceptance/config.ts) are the gate's too; it also
 * starts the service, the local stack and the load run, whose variables it accepts and passes on.
 */
import { acceptanceRegistry } from '../../acceptance/config.ts';
import { defineRegistry, type Env, parseEnvAll, variable, warnUnknown } from '../config/registry.ts';
import { testSwitchRegistry } from '../config/test-switches.ts';
import { invalidatorRegistry } from '../invalidator/config.ts';
import { loadRegistry } from '../load/config.ts';
import { redisRegistry } from '../redis/config.ts';
import { serviceRegistry } from '../service/config.ts';
import { stackRegistry } from '../stack/config.ts';

export const GATE_VARIABLES = {
  GATE_REQUIRE: variable.string('Rows whose SKIP / NOT MEASURABLE fails the gate (`load,R8,faults`; `--require-*`)', {
    type: 'list',
  }),
  GATE_LOAD_DURATION: variable.string("Length of the gate's smoke load run (k6 duration)", {
    default: '20s',
    type: 'duration',
  }),
  CI: variable.present('Set (as CI runners do): progress as plain lines, no redrawn status line'),
  GITHUB_STEP_SUMMARY: variable.string("GitHub Actions' step summary file: the gate appends its verdict table", {
    type: 'path',
  }),
  FASTNPC_VITEST_LAYOUT: variable.string(
    'Set by the gate for the vitest it runs in-process (every row in one serial project; vitest.config.ts)',
    { type: 'gate' },
  ),
};

export const gateRegistry = defineRegistry('gate', GATE_VARIABLES, {
  prefixes: ['GATE_', 'ACCEPTANCE_', 'FAULT_', 'FASTNPC_'],
  knows: [
    acceptanceRegistry,
    serviceRegistry,
    invalidatorRegistry,
    redisRegistry,
    stackRegistry,
    loadRegistry,
    testSwitchRegistry,
  ],
});

/**
 * The gate's environment: this process's, live — the gate writes its flags into it for the suites it runs in the
 * same process, and its children inherit it.
 */
export function gateEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** The gate's and the suites' variables, checked once at start (unknown names warned about). */
export function checkGateEnv(env: Env) {
  warnUnknown(gateRegistry, env);
  return parseEnvAll(gateRegistry, acceptanceRegistry, env);
}
