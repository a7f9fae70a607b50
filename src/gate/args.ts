/** Command-line flags of the gate. Secrets are never flags: the Redis password comes from REDIS_PASSWORD only. */

import { ROWS, SCOPES, type Scope } from '../../acceptance/rows.ts';
import { PROFILE_NAMES, type ProfileName, TARGET_KINDS, type TargetKind } from '../../acceptance/target/index.ts';
import { UsageError } from '../cli/usage-error.ts';
import { TOPOLOGY_KINDS, type TopologyKind } from '../redis/topology.ts';
import { gateEnv } from './config.ts';

export interface GateArgs {
  help: boolean;
  target?: TargetKind;
  /** Key scheme of the target (plan = FastNPC's keys, reference = ours); default per target kind. */
  profile?: ProfileName;
  /** Local target only: the Redis topology it starts (ACCEPTANCE_TOPOLOGY). @default 'single' */
  topology?: TopologyKind;
  baseUrl?: string;
  worker1Url?: string;
  worker2Url?: string;
  redisUrl?: string;
  databaseUrl?: string;
  /** Where gate.json, junit.xml and gate.html go. @default 'reports' */
  reportsDir: string;
  /** Skip the k6 step even when k6 is installed. */
  skipLoad: boolean;
  /** Only these rows: acceptance files (vitest filters), e.g. "03" or "regressions", or "audit" / "load". */
  filters: string[];
  /**
   * Which rows a run without --only judges (acceptance/rows.ts): `deploy` (criteria, regressions, module rows, short
   * workloads) or `full` (adds the fault and topology rows, the long workloads). @default 'deploy'
   */
  scope: Scope;
  /**
   * External target: the fault rows the operator grants fault control for ('all' or a comma list, e.g. "F1,F3"),
   * with the FAULT_*_CMD commands in the environment. Undefined: not granted (the rows read SKIP).
   */
  allowFaults?: string;
  /** Rows whose SKIP / NOT MEASURABLE fails the gate: --require-load adds "load"; GATE_REQUIRE=load,R8,regressions. */
  required: string[];
}

export { UsageError };

export const USAGE = `Usage: npm start -- [options]      (same as: npm run gate -- [options])

Proves the Redis cache of FastNPC: config audit -> acceptance suites (nine criteria + regressions) -> short k6 load
run where k6 can run -> one verdict table (every row PASS, FAIL, SKIP or NOT MEASURABLE, with its reason).
Writes reports/runs/<time>/ (gate.json, junit.xml, gate.html, raw files), points reports/latest at it and copies
gate.json, junit.xml, gate.html to reports/.
Exit codes (docs/exit-codes.md): 0 the gate passed; 1 it failed; 2 usage error (bad flag or target setting, nothing
run or written); 3 the target (app or Redis) or the container runtime cannot be reached; 75 not judged: the host
was too busy to judge the timing rows (nothing else failed) — run it again.

Options:
  --target <local|containers|external|auto>  where to run (default: ACCEPTANCE_TARGET or local)
  --profile <plan|reference>  key scheme observed in Redis (ACCEPTANCE_PROFILE): plan = FastNPC's real keys
                         (default for external), reference = this project's service (default otherwise)
  --topology <single|sentinel|cluster>  local: the Redis the embedded stack starts (ACCEPTANCE_TOPOLOGY; default
                         single): one server, a primary + replica behind 3 Sentinels, or 3 primaries x 1 replica;
                         sentinel adds row H1 (failover), cluster row H2 (a shard's primary lost); not for external
  --base-url <url>       external: the app's URL (BASE_URL)
  --worker1-url <url>    external: worker 1's own URL, where exposed (WORKER1_URL)
  --worker2-url <url>    external: worker 2's own URL, where exposed (WORKER2_URL)
  --redis-url <url>      external: Redis, e.g. redis://10.0.0.5:6379 (REDIS_URL); password via REDIS_PASSWORD only
  --database-url <url>   external, optional: PostgreSQL for statement counts (DATABASE_URL)
  --scope <deploy|full>  deploy (default): every criterion and regression with short workloads, for a CI gate on
                         each deploy; full: adds the fault rows F1-F7, the topology rows and the long workloads
                         (06's 10 simulated minutes, 08's 500 rounds) — docs/acceptance.md lists each row's scope
  --reports-dir <dir>    where to write the reports (default: reports)
  --only <filter>        judge only these rows (repeatable): acceptance files matching, e.g. --only 03
                         --only regressions, or the steps "audit" / "load"
  --allow-faults[=F1,F3] external: grant fault control for the fault rows (all, or those listed); how to stop,
                         kill and restart Redis, PostgreSQL and worker 1 comes from FAULT_*_CMD (docs/acceptance.md);
                         without it an external target's fault rows read SKIP "fault control not granted"
  --skip-load            do not run k6 even when it could run (the load row reads SKIP)
  --require-load         a skipped or unmeasurable load step fails the gate (also: GATE_REQUIRE=load,…)
  -h, --help             this text

Environment: GATE_REQUIRE (comma list of rows that may not be skipped: load, regressions, faults, R1…R10, F1…F7), ACCEPTANCE_TARGET,
ACCEPTANCE_PROFILE, ACCEPTANCE_TOPOLOGY (= --topology), ACCEPTANCE_ALLOW_FAULTS (= --allow-faults), FAULT_REDIS_STOP_CMD / _CONT_ / _KILL_ / _START_CMD,
FAULT_POSTGRES_RESTART_CMD, FAULT_WORKER1_STOP_CMD / _CONT_ / _KILL_CMD, FAULT_PARTITION_CMD / FAULT_HEAL_CMD,
FASTNPC_EMULATE_DEFECTS (local: the reference service emulates those FastNPC defects), BASE_URL,
WORKER1_URL, WORKER2_URL, REDIS_URL, REDIS_PASSWORD, DATABASE_URL,
FASTNPC_ADMIN_USER / FASTNPC_ADMIN_PASSWORD (external admin), ACCEPTANCE_USERS_FILE (external seeded users).`;

const VALUE_FLAGS: Record<string, keyof GateArgs> = {
  '--target': 'target',
  '--profile': 'profile',
  '--topology': 'topology',
  '--base-url': 'baseUrl',
  '--worker1-url': 'worker1Url',
  '--worker2-url': 'worker2Url',
  '--redis-url': 'redisUrl',
  '--database-url': 'databaseUrl',
  '--reports-dir': 'reportsDir',
  '--scope': 'scope',
};

function checkUrl(flag: string, value: string, protocols: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${value}`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(`${flag}: expected ${protocols.join(' or ')} URL, got ${url.protocol}`);
  }
  if (flag === '--redis-url' && url.password) {
    throw new UsageError(
      '--redis-url must not carry a password: pass it through the REDIS_PASSWORD environment variable',
    );
  }
}

export function parseArgs(argv: readonly string[]): GateArgs {
  const args: GateArgs = {
    help: false,
    reportsDir: 'reports',
    skipLoad: false,
    filters: [],
    scope: 'deploy',
    required: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    if (flag === '-h' || flag === '--help') {
      args.help = true;
    } else if (flag === '--skip-load') {
      args.skipLoad = true;
    } else if (flag === '--require-load') {
      if (!args.required.includes('load')) args.required.push('load');
    } else if (flag === '--allow-faults') {
      const rows = (inline ?? 'all').trim();
      if (!rows) throw new UsageError('--allow-faults= needs rows (e.g. --allow-faults=F1,F3) or nothing (all rows)');
      args.allowFaults = rows;
    } else if (flag === '--only') {
      args.filters.push(takeValue());
    } else if (flag === '--redis-password' || flag === '--password') {
      throw new UsageError(`${flag} is not accepted: secrets never go on the command line; set REDIS_PASSWORD`);
    } else if (flag in VALUE_FLAGS) {
      const key = VALUE_FLAGS[flag] as keyof GateArgs;
      const value = takeValue();
      if (key === 'target') {
        if (!(TARGET_KINDS as readonly string[]).includes(value)) {
          throw new UsageError(`--target must be one of ${TARGET_KINDS.join(', ')}, got "${value}"`);
        }
        args.target = value as TargetKind;
      } else if (key === 'profile') {
        if (!(PROFILE_NAMES as readonly string[]).includes(value)) {
          throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')}, got "${value}"`);
        }
        args.profile = value as ProfileName;
      } else if (key === 'scope') {
        if (!(SCOPES as readonly string[]).includes(value)) {
          throw new UsageError(`--scope must be one of ${SCOPES.join(', ')}, got "${value}"`);
        }
        args.scope = value as Scope;
      } else if (key === 'topology') {
        if (!(TOPOLOGY_KINDS as readonly string[]).includes(value)) {
          throw new UsageError(`--topology must be one of ${TOPOLOGY_KINDS.join(', ')}, got "${value}"`);
        }
        args.topology = value as TopologyKind;
      } else {
        if (key === 'redisUrl') checkUrl(flag, value, ['redis:', 'rediss:']);
        else if (key === 'databaseUrl') checkUrl(flag, value, ['postgres:', 'postgresql:']);
        else if (key !== 'reportsDir') checkUrl(flag, value, ['http:', 'https:']);
        (args as unknown as Record<string, string>)[key] = value;
      }
    } else {
      throw new UsageError(`unknown option: ${raw} (see --help)`);
    }
  }
  const externalFlags = args.baseUrl || args.redisUrl || args.worker1Url || args.worker2Url || args.databaseUrl;
  if (externalFlags && args.target && args.target !== 'external') {
    throw new UsageError(
      `--base-url/--redis-url/--worker*-url/--database-url belong to --target external, not ${args.target}`,
    );
  }
  if (externalFlags && !args.target) args.target = 'external';
  if (args.topology && args.topology !== 'single' && args.target && args.target !== 'local') {
    throw new UsageError(
      `--topology ${args.topology} is not applicable to --target ${args.target}: only the embedded local target ` +
        'starts a topology (an external deployment is proven on whatever it runs)',
    );
  }
  if (args.skipLoad && args.required.includes('load')) {
    throw new UsageError('--skip-load and --require-load contradict each other');
  }
  return args;
}

/**
 * Rows that GATE_REQUIRE may name: every row of the registry (acceptance/rows.ts) whose SKIP / NOT MEASURABLE is
 * otherwise tolerated somewhere, and the groups "regressions" and "faults".
 */
export const REQUIRABLE: readonly string[] = [
  'regressions',
  'faults',
  ...ROWS.filter((r) => r.gating !== 'required').map((r) => r.id),
];

/** GATE_REQUIRE=load,R8 → ["load", "R8"], merged with the flags; an unknown name is a usage error. */
export function requiredRows(args: GateArgs, env: NodeJS.ProcessEnv = gateEnv()): string[] {
  const out = new Set(args.required);
  for (const raw of (env.GATE_REQUIRE ?? '').split(',')) {
    const name = raw.trim();
    if (!name) continue;
    const known = REQUIRABLE.find((r) => r.toLowerCase() === name.toLowerCase());
    if (!known) throw new UsageError(`GATE_REQUIRE: unknown row "${name}" (one of ${REQUIRABLE.join(', ')})`);
    out.add(known);
  }
  if (args.skipLoad && out.has('load')) throw new UsageError('--skip-load contradicts GATE_REQUIRE=load');
  return [...out];
}

/** Turns flags into the environment the target switch and the suites read (flags win over the environment). */
export function applyToEnv(args: GateArgs, env: NodeJS.ProcessEnv = gateEnv()): void {
  if (args.target) env.ACCEPTANCE_TARGET = args.target;
  if (args.profile) env.ACCEPTANCE_PROFILE = args.profile;
  if (args.topology) env.ACCEPTANCE_TOPOLOGY = args.topology;
  if (args.baseUrl) env.BASE_URL = args.baseUrl;
  if (args.worker1Url) env.WORKER1_URL = args.worker1Url;
  if (args.worker2Url) env.WORKER2_URL = args.worker2Url;
  if (args.redisUrl) env.REDIS_URL = args.redisUrl;
  if (args.databaseUrl) env.DATABASE_URL = args.databaseUrl;
  if (args.allowFaults) env.ACCEPTANCE_ALLOW_FAULTS = args.allowFaults;
  env.ACCEPTANCE_SCOPE = args.scope;
}
