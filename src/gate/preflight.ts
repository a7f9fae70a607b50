/**
 * Before the gate runs anything or touches a report: the target's settings must be complete and well-formed (a
 * missing or malformed one is a usage error naming it, exit 2), and an external target's app and Redis must answer
 * on TCP (else one line, exit 3) — so a typo never prints a table of failures or overwrites the last reports.
 */
import { readFileSync } from 'node:fs';
import { checkFaultControl, FaultControlError } from '../../acceptance/faults/index.ts';
import type { TargetRequest } from '../../acceptance/target/index.ts';
import { tcpProbe } from '../load/reachable.ts';
import { maskUrlCredentials } from '../secrets/redact.ts';
import { UsageError } from './args.ts';

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
export function checkTargetSettings(request: TargetRequest, env: NodeJS.ProcessEnv = process.env): void {
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
