/**
 * The row registry: every row the gate can show, declared once — its id, title, kind, scope, gating, the emulated
 * FastNPC defects (FASTNPC_EMULATE_DEFECTS) it must catch, and what it needs from an external target. The gate's
 * row list, `--only` / `GATE_REQUIRE`, `--scope`, the defect matrix (docs/defect-matrix.md) and the row table of docs/acceptance.md (checked
 * by test/unit/acceptance/rows.test.ts) all read this list. Suite rows name their file; ids match the file names
 * (acceptance/NN-…, regressions/rN-…, module/mN-…, faults/fN-…, topology/hN-…).
 */
import type { TopologyKind } from '../src/redis/topology.ts';
import type { Defect } from '../src/service/defects.ts';
import { acceptanceEnv } from './environment.ts';

export type RowKind = 'audit' | 'run' | 'criterion' | 'regression' | 'module' | 'fault' | 'topology' | 'load';

/**
 * `deploy`: the rows a deploy gate runs (the default of `npm start` / `npm run gate`); `full` adds the fault and
 * topology rows, the long workloads and the repeats. A row of scope `deploy` runs in both scopes (with the shorter
 * workload `deployWorkload` describes in the deploy scope, where it has one).
 */
export const SCOPES = ['deploy', 'full'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * When a SKIP or NOT MEASURABLE of the row fails the gate (a FAIL always does):
 * - `required`: always (the audit, the run, the criteria, the module rows);
 * - `optional`: never, unless GATE_REQUIRE / --require-load names it (regressions, load);
 * - `required-local`: on the local target; elsewhere only when required (fault rows: an external target runs them
 *   only when granted --allow-faults);
 * - `required-on-topology`: on the local target running the row's topology; elsewhere it reads SKIP "not applicable".
 */
export type Gating = 'required' | 'optional' | 'required-local' | 'required-on-topology';

/** Settings an external target may have to provide (environment variables; flags where the gate has one). */
export type ExternalSetting =
  | 'ACCEPTANCE_USERS_FILE'
  | 'FASTNPC_ADMIN_USER'
  | 'DATABASE_URL'
  | 'WORKER1_URL'
  | 'WORKER2_URL'
  | 'ACCEPTANCE_ALLOW_CREATE'
  | 'ACCEPTANCE_ALLOW_FAULTS'
  | 'CACHE_OFF_BASE_URL';

/** What a row needs from an external target, beyond BASE_URL and REDIS_URL (+ REDIS_PASSWORD), which every run needs. */
export interface ExternalNeed {
  setting: ExternalSetting;
  /**
   * `required`: without it the row cannot give a verdict that counts (a required row would fail, so the gate should
   * refuse up front, exit 2 naming it); `optional`: without it the row uses a weaker channel or reads NOT MEASURABLE /
   * SKIP (with the reason).
   */
  level: 'required' | 'optional';
  /** What the row uses it for. */
  why: string;
}

/** Where a row can run: `any` target, or the `embedded` ones only (local / containers: it tests this project). */
export type RowTargets = 'any' | 'embedded';

export interface RowDef {
  id: string;
  title: string;
  kind: RowKind;
  scope: Scope;
  gating: Gating;
  /** Its suite, relative to the repository root; undefined for the steps (audit, run, load). */
  file?: string;
  /** Emulated defects (FASTNPC_EMULATE_DEFECTS) under which this row must FAIL (`npm run gate:matrix`). */
  catches: readonly Defect[];
  /** Defects under which this row may fail too (a side effect the matrix tolerates, with the reason in `why`). */
  mayFailWith?: readonly Defect[];
  /** External target: what it must provide for this row. */
  needs: readonly ExternalNeed[];
  targets: RowTargets;
  /** Topology rows: the topology they belong to. */
  topology?: TopologyKind;
  /** A latency bound judged against a calibration probe timed in the same window (NOT MEASURABLE when too slow). */
  timing?: boolean;
  /** The deploy scope's shorter workload, where the row has one (the full scope runs the long one). */
  deployWorkload?: string;
}

const USERS: ExternalNeed = {
  setting: 'ACCEPTANCE_USERS_FILE',
  level: 'required',
  why: 'seeded users to sign in as',
};
const ADMIN_REQUIRED: ExternalNeed = {
  setting: 'FASTNPC_ADMIN_USER',
  level: 'required',
  why: '/admin/cache/* as the admin (with FASTNPC_ADMIN_PASSWORD)',
};
const ADMIN_OPTIONAL: ExternalNeed = {
  ...ADMIN_REQUIRED,
  level: 'optional',
  why: 'the stats / clear routes as an extra channel',
};
const WORKERS: ExternalNeed[] = [
  { setting: 'WORKER1_URL', level: 'optional', why: "worker 1's own URL (writes on one worker, reads on the other)" },
  { setting: 'WORKER2_URL', level: 'optional', why: "worker 2's own URL" },
];
const DATABASE: ExternalNeed = { setting: 'DATABASE_URL', level: 'required', why: 'statement counts by PostgreSQL' };
const FAULTS_GRANTED: ExternalNeed = {
  setting: 'ACCEPTANCE_ALLOW_FAULTS',
  level: 'required',
  why: '--allow-faults and the FAULT_*_CMD commands (else the row reads SKIP "fault control not granted")',
};

type Declared = Omit<RowDef, 'needs' | 'catches' | 'targets' | 'scope' | 'gating'> &
  Partial<Pick<RowDef, 'needs' | 'catches' | 'targets' | 'scope' | 'gating'>>;

function criterion(id: string, slug: string, row: Omit<Declared, 'id' | 'kind' | 'file'>): RowDef {
  return {
    id,
    kind: 'criterion',
    file: `acceptance/${id}-${slug}.test.ts`,
    scope: 'deploy',
    gating: 'required',
    catches: [],
    needs: [USERS],
    targets: 'any',
    ...row,
  };
}

function regression(id: string, slug: string, row: Omit<Declared, 'id' | 'kind' | 'file'>): RowDef {
  return {
    id,
    kind: 'regression',
    file: `acceptance/regressions/${id.toLowerCase()}-${slug}.test.ts`,
    scope: 'deploy',
    gating: 'optional',
    catches: [],
    needs: [USERS],
    targets: 'any',
    ...row,
  };
}

function fault(id: string, slug: string, title: string): RowDef {
  return {
    id,
    title,
    kind: 'fault',
    file: `acceptance/faults/${id.toLowerCase()}-${slug}.test.ts`,
    scope: 'full',
    gating: 'required-local',
    catches: [],
    needs: [USERS, FAULTS_GRANTED],
    targets: 'any',
  };
}

/** Every row, in the order the verdict table shows them. */
export const ROWS: ReadonlyArray<RowDef> = [
  {
    id: 'audit',
    title: 'Config audit of the live Redis (auditRedis)',
    kind: 'audit',
    scope: 'deploy',
    gating: 'required',
    catches: [],
    needs: [],
    targets: 'any',
  },
  {
    id: 'run',
    title: 'Acceptance run: every file loaded, no unhandled error, the checkout unchanged',
    kind: 'run',
    scope: 'deploy',
    gating: 'required',
    catches: [],
    needs: [],
    targets: 'any',
  },
  criterion('01', 'redis-runs', { title: 'Redis runs (PING, version, uptime, config audit)', needs: [] }),
  criterion('02', 'app-connects', {
    title: 'The app connects to Redis (/admin/cache/test, CLIENT LIST)',
    catches: ['admin-403'],
    needs: [USERS, ADMIN_REQUIRED],
  }),
  criterion('03', 'settings-latency', {
    title: 'User-settings cache: second read < 5 ms',
    catches: ['slow-cached-read'],
    // its timed reads must carry the value just written: a settings write that does not invalidate fails that
    mayFailWith: ['settings-no-invalidate', 'delete-before-commit'],
    timing: true,
  }),
  criterion('04', 'profile-cache', {
    title: 'Character-profile cache: chat fills char_profile, the next chat reads it',
    catches: ['no-profile-cache'],
    needs: [USERS, { ...DATABASE, level: 'optional', why: 'statements of a chat with the entry emptied vs cached' }],
  }),
  criterion('05', 'list-cache', {
    title: 'Character-list cache: hit, and the TTL expires',
    // shared-list-key: the per-user list key it looks for is never filled
    mayFailWith: ['list-miss-leak', 'shared-list-key'],
  }),
  criterion('06', 'hit-rate', {
    title: 'Hit rate > 90 % under the chat workload',
    mayFailWith: ['list-miss-leak', 'no-profile-cache'],
    needs: [USERS, ADMIN_OPTIONAL],
    deployWorkload:
      'embedded: 25 users at time ×20 for 10 simulated minutes (30 real seconds), control 1 simulated minute beside it; external: 50 users for 3 real minutes',
  }),
  criterion('07', 'invalidation', {
    title: 'An update invalidates immediately (every write path, both workers)',
    catches: ['structured-no-invalidate'],
    // a list read served from another user's entry, or a settings write left uninvalidated
    mayFailWith: ['no-profile-cache', 'shared-list-key', 'settings-no-invalidate', 'delete-before-commit'],
    needs: [
      USERS,
      ...WORKERS,
      { setting: 'ACCEPTANCE_ALLOW_CREATE', level: 'optional', why: "the create path (the app's creation route)" },
    ],
  }),
  criterion('08', 'two-workers', {
    title: 'Two workers consistent (>= 500 rounds, stale-set race)',
    catches: ['no-leases'],
    // a stale settings entry, whatever made it (R12 / R13 tell which)
    mayFailWith: ['delete-before-commit', 'settings-no-invalidate'],
    needs: [USERS, ...WORKERS],
  }),
  criterion('09', 'db-statements-down', {
    title: 'DB statements down >= 80 %',
    mayFailWith: ['no-profile-cache'],
    deployWorkload: '50 users instead of 100',
    needs: [
      USERS,
      DATABASE,
      { setting: 'CACHE_OFF_BASE_URL', level: 'optional', why: 'the same app without its cache, as the baseline' },
    ],
  }),
  regression('R1', 'stats-system-wide', {
    title: 'Stats are system-wide, not per worker',
    catches: ['per-worker-stats'],
    needs: [USERS, ADMIN_OPTIONAL, ...WORKERS],
  }),
  regression('R2', 'no-keys-command', {
    title: 'Pattern delete uses SCAN + UNLINK, never KEYS',
    catches: ['keys-pattern-delete'],
    // the pattern delete sits behind the closed admin route, so it cannot be run (not measurable)
    mayFailWith: ['admin-403'],
    needs: [USERS, ADMIN_OPTIONAL],
  }),
  regression('R3', 'structured-update', {
    title: 'Structured update invalidates the profile',
    catches: ['structured-no-invalidate'],
  }),
  regression('R4', 'admin-guard', {
    title: 'Admin guard lets the admin in (403 only for others)',
    catches: ['admin-403'],
    needs: [USERS, ADMIN_REQUIRED],
  }),
  regression('R5', 'hostile-names', {
    title: 'Hostile names (":", "*") never collide or widen a delete',
    catches: ['names-in-keys'],
  }),
  regression('R6', 'redis-unresponsive', {
    title: 'Redis unresponsive: requests degrade fast, not after seconds',
    catches: ['socket-timeout-5s'],
  }),
  regression('R7', 'stale-set-race', {
    title: 'Stale-set race closed (no old value after an update)',
    deployWorkload: 'the same 600 bursts, raced by 3 users at once',
    catches: ['no-leases'],
    mayFailWith: ['delete-before-commit', 'settings-no-invalidate'],
    needs: [USERS, ...WORKERS],
  }),
  regression('R8', 'restart-failed-invalidation', {
    title: 'No stale entry after a Redis restart (failed invalidation)',
    mayFailWith: ['socket-timeout-5s', 'settings-no-invalidate', 'delete-before-commit'],
    timing: true,
  }),
  regression('R9', 'list-miss-leak', {
    title: 'List misses leak no connection (>= 200 misses on one worker)',
    catches: ['list-miss-leak'],
    // with the shared key its reads are not confirmed misses: NOT MEASURABLE
    mayFailWith: ['shared-list-key'],
  }),
  regression('R10', 'task-status', {
    title: 'Task status visible from every worker',
    catches: ['per-worker-tasks'],
    needs: [
      USERS,
      ...WORKERS,
      { setting: 'ACCEPTANCE_ALLOW_CREATE', level: 'optional', why: 'a task to look up (character creation)' },
    ],
  }),
  regression('R11', 'own-entries', {
    title:
      "No user is served another user's entry (settings, list, character id + profile; both workers, cold and warm)",
    catches: ['shared-list-key'],
  }),
  regression('R12', 'invalidate-after-commit', {
    title: 'Invalidation only after the commit (entry present before each write, readers racing it)',
    catches: ['delete-before-commit'],
    // a write that never invalidates leaves the old version too
    mayFailWith: ['settings-no-invalidate'],
    deployWorkload: '40 rounds instead of 150',
    needs: [USERS, ...WORKERS],
  }),
  regression('R13', 'stale-after-pause', {
    title: 'No entry left stale after Redis was unresponsive (writes on both workers during a pause)',
    catches: ['settings-no-invalidate'],
    // the early delete fails while Redis is paused and nothing deletes after the commit; with 5 s timeouts the
    // writes wait out the pause (NOT MEASURABLE)
    mayFailWith: ['delete-before-commit', 'socket-timeout-5s'],
    needs: [USERS, ...WORKERS],
  }),
  {
    id: 'M3',
    title: 'Reference module: getOrLoad hit p95 < 5 ms',
    kind: 'module',
    file: 'acceptance/module/m3-module-latency.test.ts',
    scope: 'deploy',
    gating: 'required',
    catches: [],
    needs: [],
    targets: 'embedded',
    timing: true,
  },
  {
    id: 'M8',
    title: 'Reference module: leases close the stale-set race (naive control must fail)',
    kind: 'module',
    file: 'acceptance/module/m8-module-race.test.ts',
    scope: 'deploy',
    gating: 'required',
    catches: [],
    needs: [],
    targets: 'embedded',
  },
  fault('F1', 'restore-old-snapshot', 'Redis SIGKILL + restart from an older snapshot'),
  fault('F2', 'redis-stopped', 'Redis stopped (SIGSTOP) 10 s'),
  fault('F3', 'flushall', 'FLUSHALL'),
  fault('F4', 'maxmemory-evictions', 'maxmemory pressure with evictions'),
  fault('F5', 'postgres-restart', 'PostgreSQL restart'),
  fault('F6', 'network-partition', 'Network partition service ↔ Redis'),
  fault('F7', 'worker-killed-during-outage', 'A worker killed during a Redis outage'),
  {
    id: 'F8',
    title: 'Warm after restart: Redis SIGTERM → save → start under the chat workload',
    kind: 'fault',
    file: 'acceptance/faults/f8-warm-after-restart.test.ts',
    scope: 'full',
    gating: 'required-local',
    catches: [],
    needs: [],
    // it restarts the stack's own redis-server: an external target's Redis is never restarted by the gate
    targets: 'embedded',
  },
  {
    id: 'H1',
    title: 'Sentinel failover under load: primary killed, 0 stale reads',
    kind: 'topology',
    file: 'acceptance/topology/h1-sentinel-failover.test.ts',
    scope: 'full',
    gating: 'required-on-topology',
    catches: [],
    needs: [],
    targets: 'embedded',
    topology: 'sentinel',
  },
  {
    id: 'H2',
    title: "Cluster: a shard's primary killed under load, 0 stale reads",
    kind: 'topology',
    file: 'acceptance/topology/h2-cluster-primary-lost.test.ts',
    scope: 'full',
    gating: 'required-on-topology',
    catches: [],
    needs: [],
    targets: 'embedded',
    topology: 'cluster',
  },
  {
    id: 'load',
    title: 'k6 chat-100-users (short)',
    kind: 'load',
    scope: 'deploy',
    gating: 'optional',
    catches: [],
    needs: [],
    targets: 'any',
  },
];

/** The definition of a row by id (throws for an unknown id: every row is declared here). */
export function rowDef(id: string): RowDef {
  const def = ROWS.find((d) => d.id === id);
  if (!def) throw new Error(`row ${id} is not declared in acceptance/rows.ts`);
  return def;
}

export function rowsOfKind(kind: RowKind): RowDef[] {
  return ROWS.filter((r) => r.kind === kind);
}

/** Whether a row runs in a scope: `full` runs every row, `deploy` the rows declared `deploy`. */
export function inScope(row: RowDef, scope: Scope): boolean {
  return scope === 'full' || row.scope === 'deploy';
}

/** The id of the row whose suite is `file` (a path relative to the repository root, or absolute), or undefined. */
export function rowIdOfFile(file: string): string | undefined {
  const normalised = file.replaceAll('\\', '/');
  return ROWS.find((r) => r.file && (normalised === r.file || normalised.endsWith(`/${r.file}`)))?.id;
}

/** The rows that must FAIL under an emulated defect, and those that may fail beside them. */
export function expectedUnder(defect: Defect): { fails: string[]; mayFail: string[] } {
  return {
    fails: ROWS.filter((r) => r.catches.includes(defect)).map((r) => r.id),
    mayFail: ROWS.filter((r) => r.mayFailWith?.includes(defect)).map((r) => r.id),
  };
}

/**
 * The scope the suites run in: ACCEPTANCE_SCOPE (the gate sets it from --scope). A suite run directly with vitest
 * runs the full workloads.
 */
export function currentScope(env: NodeJS.ProcessEnv = acceptanceEnv()): Scope {
  const raw = env.ACCEPTANCE_SCOPE;
  return raw === 'deploy' ? 'deploy' : 'full';
}

/** The views the suites and the verdict use (derived, never declared twice). */
export const CRITERIA: ReadonlyArray<RowDef> = rowsOfKind('criterion');
export const REGRESSIONS: ReadonlyArray<RowDef> = rowsOfKind('regression');
export const MODULE_ROWS: ReadonlyArray<RowDef> = rowsOfKind('module');
export const FAULT_ROWS: ReadonlyArray<RowDef> = rowsOfKind('fault');
export const TOPOLOGY_ROWS: ReadonlyArray<RowDef & { topology: TopologyKind }> = rowsOfKind('topology') as Array<
  RowDef & { topology: TopologyKind }
>;
