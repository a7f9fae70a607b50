/**
 * Before the gate runs anything or touches a report: the target's settings must be complete and well-formed (a
 * missing or malformed one is a usage error naming it, exit 2), and an external target's app and Redis must answer
 * on TCP (else one line, exit 3) — so a typo never prints a table of failures or overwrites the last reports.
 */
import { readFileSync } from 'node:fs';
import { checkFaultControl, FaultControlError } from '../../acceptance/faults/index.ts';
import { type ExternalSetting, ROWS, type RowDef } from '../../acceptance/rows.ts';
import type { TargetRequest } from '../../acceptance/target/index.ts';
import { tcpProbe } from '../load/reachable.ts';
import { maskUrlCredentials } from '../secrets/redact.ts';
import { UsageError } from './args.ts';
import { gateEnv } from './config.ts';

export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
  readonly code = 'E_UNREACHABLE';
}

const PROTOCOLS: Record<string, string[]> = {
  BASE_URL: ['http:', 'https:'],
  WORKER1_URL: ['http:', 'https:'],
  WORKER2_URL: ['http:', 'https:'],
  REDIS_URL: ['redis:', 'rediss:'],
  DATABASE_URL: ['postgres:', 'postgresql:'],
};

const FLAG_OF: Record<string, string> = {
  BASE_URL: '--base-url',
  WORKER1_URL: '--worker1-url',
  WORKER2_URL: '--worker2-url',
  REDIS_URL: '--redis-url',
  DATABASE_URL: '--database-url',
};

function checkUrl(name: string, value: string | undefined): void {
  if (value === undefined || value === '') return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} (${FLAG_OF[name]}) is not a URL: ${maskUrlCredentials(value)}`);
  }
  const protocols = PROTOCOLS[name] ?? [];
  if (!protocols.includes(url.protocol)) {
    throw new UsageError(`${name} (${FLAG_OF[name]}) must be a ${protocols.join(' or ')} URL, got ${url.protocol}`);
  }
  if (!url.hostname) throw new UsageError(`${name} (${FLAG_OF[name]}) has no host`);
}

function checkPositiveInt(name: string, env: NodeJS.ProcessEnv): void {
  const raw = env[name];
  if (raw === undefined || raw === '') return;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number of seconds >= 1, got "${raw}"`);
}

/** Throws a UsageError naming the first missing or malformed setting of the requested target. */
export function checkTargetSettings(request: TargetRequest, env: NodeJS.ProcessEnv = gateEnv()): void {
  try {
    checkFaultControl(request.kind, env);
  } catch (error) {
    if (error instanceof FaultControlError) throw new UsageError(error.message);
    throw error;
  }
  // the embedded targets make their own URLs; only an external target is described by these settings
  if (request.kind !== 'external') return;
  for (const name of Object.keys(PROTOCOLS)) checkUrl(name, env[name]);
  if (!request.baseUrl) throw new UsageError('an external target needs BASE_URL (--base-url): the app to prove');
  if (!request.redisUrl) throw new UsageError('an external target needs REDIS_URL (--redis-url): its Redis');
  checkPositiveInt('CACHE_TTL_LIST_SECONDS', env);
  checkPositiveInt('CACHE_TTL_PROFILE_SECONDS', env);
  if (Boolean(env.FASTNPC_ADMIN_USER) !== Boolean(env.FASTNPC_ADMIN_PASSWORD)) {
    throw new UsageError('FASTNPC_ADMIN_USER and FASTNPC_ADMIN_PASSWORD go together: set both or neither');
  }
  const usersFile = env.ACCEPTANCE_USERS_FILE;
  if (usersFile) {
    let users: unknown;
    try {
      users = JSON.parse(readFileSync(usersFile, 'utf8'));
    } catch (error) {
      throw new UsageError(`ACCEPTANCE_USERS_FILE ${usersFile}: ${(error as Error).message.split('\n')[0]}`);
    }
    const ok =
      Array.isArray(users) &&
      users.every(
        (u) =>
          typeof u === 'object' &&
          u !== null &&
          typeof (u as { username?: unknown }).username === 'string' &&
          typeof (u as { password?: unknown }).password === 'string' &&
          Array.isArray((u as { characters?: unknown }).characters),
      );
    if (!ok) {
      throw new UsageError(
        `ACCEPTANCE_USERS_FILE ${usersFile}: expected a JSON array of {username, password, characters: []}`,
      );
    }
  }
}

/**
 * Whether a SKIP / NOT MEASURABLE of `row` fails the gate on an external target (acceptance/rows.ts `gating`, with
 * GATE_REQUIRE / --require-load naming rows or the groups "regressions" and "faults").
 */
function mustCountOnExternal(row: RowDef, required: readonly string[]): boolean {
  if (row.gating === 'required') return true;
  if (required.includes(row.id)) return true;
  if (row.kind === 'regression' && required.includes('regressions')) return true;
  if (row.kind === 'fault' && required.includes('faults')) return true;
  return false;
}

/**
 * Every setting a selected row needs from an external target (acceptance/rows.ts `needs`, level `required`) must be
 * set before anything runs: without it the row could only read NOT MEASURABLE or FAIL, and on a row whose verdict
 * counts that is the setting's fault, not the app's. Throws one UsageError naming every missing setting, why it is
 * needed and by which rows. Rows that only run on the embedded targets, and rows whose SKIP is tolerated, need
 * nothing.
 */
export function checkRowNeeds(
  request: TargetRequest,
  selected: ReadonlySet<string> | undefined,
  required: readonly string[],
  env: NodeJS.ProcessEnv = gateEnv(),
): void {
  if (request.kind !== 'external') return;
  const missing = new Map<ExternalSetting, { why: string; rows: string[] }>();
  for (const row of ROWS) {
    if (selected && !selected.has(row.id)) continue;
    if (row.targets === 'embedded' || !mustCountOnExternal(row, required)) continue;
    for (const need of row.needs) {
      if (need.level !== 'required' || env[need.setting]) continue;
      const entry = missing.get(need.setting) ?? { why: need.why, rows: [] };
      entry.rows.push(row.id);
      missing.set(need.setting, entry);
    }
  }
  if (missing.size === 0) return;
  const named = [...missing].map(
    ([setting, m]) => `${setting} (${m.why}; row${m.rows.length > 1 ? 's' : ''} ${m.rows.join(', ')})`,
  );
  throw new UsageError(
    `the selected rows need ${named.join(' and ')} on an external target — set ${missing.size > 1 ? 'them' : 'it'} (docs/acceptance.md) or leave those rows out with --only; nothing was run`,
  );
}

/** An external target's app, workers, Redis (and database, when given) must answer; throws UnreachableError. */
export async function checkReachable(request: TargetRequest, timeoutMs = 3000): Promise<void> {
  if (request.kind !== 'external') return;
  const urls: Array<[string, string | undefined]> = [
    ['BASE_URL', request.baseUrl],
    ['WORKER1_URL', request.workerUrls?.[0]],
    ['WORKER2_URL', request.workerUrls?.[1]],
    ['REDIS_URL', request.redisUrl],
    ['DATABASE_URL', request.databaseUrl],
  ];
  for (const [name, url] of urls) {
    if (!url) continue;
    try {
      await tcpProbe(url, timeoutMs);
    } catch (error) {
      throw new UnreachableError(
        `cannot reach ${name} ${maskUrlCredentials(url)}: ${(error as Error).message} — nothing was run`,
      );
    }
  }
}
