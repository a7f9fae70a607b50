/**
 * The acceptance suites' variables (ACCEPTANCE_*, FAULT_*, the rows' tuning knobs), declared once. The gate parses
 * them at its start together with its own (src/gate/config.ts); a suite reads one with `setting(name)` when it runs.
 */
import { defineRegistry, readVariable, variable } from '../src/config/registry.ts';
import { acceptanceEnv } from './environment.ts';
import { FAULT_COMMANDS } from './faults/support/fault-control.ts';
import { TARGET_KINDS } from './target/types.ts';

const FAULT_COMMAND_VARIABLES = Object.fromEntries(
  Object.values(FAULT_COMMANDS).map(({ setting, does }) => [
    setting,
    variable.string(`External target, fault rows: shell command to ${does}`, { type: 'command' }),
  ]),
);

export const ACCEPTANCE_VARIABLES = {
  ACCEPTANCE_TARGET: variable.string('What the rows prove (`--target`)', {
    type: TARGET_KINDS.join(' \\| '),
    default: 'local',
  }),
  ACCEPTANCE_PROFILE: variable.string('Key scheme the rows observe in Redis (`--profile`)', {
    type: 'plan \\| reference',
    defaultDoc: "the target's",
  }),
  ACCEPTANCE_TOPOLOGY: variable.string('Redis topology of the local target (`--topology`)', {
    type: 'single \\| sentinel \\| cluster',
    default: 'single',
  }),
  ACCEPTANCE_SCOPE: variable.string('`deploy`: the shorter workloads (the gate sets it from `--scope`); else full', {
    type: 'deploy \\| full',
    default: 'full',
  }),
  BASE_URL: variable.string('External target: the app behind its load balancer (`--base-url`)', { type: 'URL' }),
  WORKER1_URL: variable.string('External target: worker 1 alone (`--worker1-url`)', { type: 'URL' }),
  WORKER2_URL: variable.string('External target: worker 2 alone (`--worker2-url`)', { type: 'URL' }),
  ACCEPTANCE_USERS_FILE: variable.string('External target: JSON file of test users (`[{username, password}]`)', {
    type: 'path',
  }),
  ACCEPTANCE_ALLOW_CREATE: variable.onWhen('1', 'External target: `1` lets the rows register users and characters'),
  ACCEPTANCE_ALLOW_FAULTS: variable.string('External target: fault rows granted (`all` or `F1,F3`; `--allow-faults`)', {
    type: 'list',
  }),
  ACCEPTANCE_REPORTS_DIR: variable.string("Where the suites write one JSON record per row (the gate sets its run's)", {
    type: 'path',
    default: 'reports/acceptance',
  }),
  ACCEPTANCE_WAIT_TTL: variable.onWhen('1', 'Row 05: `1` waits out a list TTL longer than 70 s instead of skipping'),
  ACCEPTANCE_R13_PAUSE_MS: variable.int('R13: how long Redis is paused', {
    min: 1,
    defaultDoc: '3000 (external: 12000)',
  }),
  ACCEPTANCE_R13_RUNS: variable.int('R13: runs of the row', { default: 1, min: 1 }),
  ACCEPTANCE_R7_BURSTS: variable.int('R7: bursts in all, split between the lanes', { default: 600, min: 1 }),
  ACCEPTANCE_R7_LANES: variable.int('R7: users racing at once', { min: 1, defaultDoc: '3 (deploy scope), 1 (full)' }),
  ACCEPTANCE_R7_CONTROL_STALE: variable.int('R7: stale entries after which the naive control stops', {
    default: 2,
    min: 1,
  }),
  ACCEPTANCE_R7_READERS: variable.int('R7: readers per burst', { min: 0, defaultDoc: "the check's" }),
  ACCEPTANCE_R7_READERS_ON: variable.string('R7: `w2` reads on worker 2', { type: 'w2', defaultDoc: 'worker 1' }),
  ACCEPTANCE_R7_STAGGER_MS: variable.int('R7: stagger between the readers', { min: 0, defaultDoc: "the check's" }),
  ACCEPTANCE_R7_WRITE_MS: variable.int('R7: the write lands within this many ms', {
    min: 0,
    defaultDoc: "the check's",
  }),
  CACHE_OFF_BASE_URL: variable.string('Row 09: an uncached twin of the target (else one is started)', {
    type: 'URL',
  }),
  FAULT_BACKGROUND_LOAD: variable.string('Fault rows: `off` runs them without the background load', {
    type: 'on \\| off',
    default: 'on',
  }),
  FAULT_CONTROL_SWITCH_ONLY: variable.onWhen('1', 'F3/F4: `1` runs the control with the switch alone (it then fails)'),
  FAULT_DEBUG: variable.onWhen('1', "Fault rows: `1` prints the probes around Redis's return"),
  FAULT_SERVICE_LOG: variable.present('Fault and topology rows: their services log at `warn` (else `fatal`)'),
  TOPOLOGY_ROW_REPLICA_WAIT_OFF: variable.onWhen('1', "H1/H2: `1` runs with the invalidator's replica wait off"),
  ...FAULT_COMMAND_VARIABLES,
};

export const acceptanceRegistry = defineRegistry('acceptance', ACCEPTANCE_VARIABLES, {
  prefixes: ['ACCEPTANCE_', 'FAULT_'],
});

type Acceptance = typeof ACCEPTANCE_VARIABLES;

/** One acceptance variable, parsed, from the live environment (a ConfigError naming it when malformed). */
export function setting<K extends keyof Acceptance & string>(name: K) {
  return readVariable(acceptanceRegistry, name, acceptanceEnv());
}
