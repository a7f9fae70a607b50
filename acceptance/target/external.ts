/**
 * An external target: a deployed FastNPC (or our service) reached through URLs, observed black-box. Users with
 * characters come from ACCEPTANCE_USERS_FILE: the gate never creates characters through the app's creation route
 * there (on the real app it runs a paid scraping + LLM pipeline).
 */
import { readFileSync } from 'node:fs';
import { acceptanceEnv } from '../environment.ts';
import { type ProfileName, profileFor } from './profile.ts';
import { type StartedTarget, stripSlash, TargetError, type TargetRequest, type TargetUser } from './types.ts';

/** Reads and checks the users file: `[{ "username", "password", "characters": ["…"] }]`. */
export function readUsersFile(path: string): TargetUser[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TargetError(
      'E_TARGET_CONFIG',
      `ACCEPTANCE_USERS_FILE ${path}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (!Array.isArray(raw)) throw new TargetError('E_TARGET_CONFIG', `ACCEPTANCE_USERS_FILE ${path}: not a JSON array`);
  return raw.map((u, i) => {
    const user = u as Partial<TargetUser>;
    if (typeof user?.username !== 'string' || typeof user.password !== 'string' || !Array.isArray(user.characters)) {
      throw new TargetError(
        'E_TARGET_CONFIG',
        `ACCEPTANCE_USERS_FILE ${path}: entry ${i} needs "username", "password" and "characters": [...]`,
      );
    }
    return { username: user.username, password: user.password, characters: user.characters.map(String) };
  });
}

export function externalTarget(request: TargetRequest, env: NodeJS.ProcessEnv = acceptanceEnv()): StartedTarget {
  if (!request.baseUrl) throw new TargetError('E_TARGET_CONFIG', 'an external target needs BASE_URL (--base-url)');
  if (!request.redisUrl) throw new TargetError('E_TARGET_CONFIG', 'an external target needs REDIS_URL (--redis-url)');
  if (request.defects.length > 0) {
    throw new TargetError(
      'E_TARGET_CONFIG',
      'FASTNPC_EMULATE_DEFECTS applies to the local reference service only, not to an external target',
    );
  }
  const notes: string[] = [];
  let users: TargetUser[] = [];
  if (env.ACCEPTANCE_USERS_FILE) users = readUsersFile(env.ACCEPTANCE_USERS_FILE);
  else notes.push('no ACCEPTANCE_USERS_FILE: rows that need users with characters are not measurable');
  const adminUser = env.FASTNPC_ADMIN_USER;
  const adminPassword = env.FASTNPC_ADMIN_PASSWORD;
  const profile: ProfileName = request.profile ?? 'plan';
  notes.push(`key profile ${profile}: ${profileFor(profile).description}`);
  return {
    info: {
      kind: 'external',
      profile,
      baseUrl: stripSlash(request.baseUrl),
      workerUrls: (request.workerUrls ?? []).map(stripSlash),
      redisUrl: request.redisUrl,
      redisPassword: env.REDIS_PASSWORD || undefined,
      databaseUrl: request.databaseUrl,
      statStatements: false,
      users,
      admin: adminUser && adminPassword ? { username: adminUser, password: adminPassword } : undefined,
      listTtlSeconds: Number(env.CACHE_TTL_LIST_SECONDS ?? 60),
      profileTtlSeconds: Number(env.CACHE_TTL_PROFILE_SECONDS ?? 300),
      defects: [],
      notes,
    },
    stop: async () => {},
  };
}
