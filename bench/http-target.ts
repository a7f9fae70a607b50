// One service under test for `npm run bench:http`: a version of the code (its src/service/cluster.ts) on its own
// private redis-server and PostgreSQL, one seeded user logged in, every cached route checked to be a hit on both
// workers before anything is timed.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import type { StartedService, StartServiceOptions } from '../src/service/cluster.ts';
import { privateRedisPassword, type StartedLocalStack, startLocalStack } from '../src/stack/index.ts';

export interface Route {
  name: string;
  path: string;
  cached: boolean;
}

export interface Target {
  label: string;
  stack: StartedLocalStack;
  service: StartedService;
  redis: Redis;
  cookie: string;
  routes: Route[];
  /** The two workers' process ids (their CPU time is read from /proc). */
  workerPids: number[];
}

export async function startTarget(label: string, dir: string): Promise<Target> {
  const { startService } = (await import(pathToFileURL(join(dir, 'src/service/cluster.ts')).href)) as {
    startService: (options: StartServiceOptions) => Promise<StartedService>;
  };
  const stack = await startLocalStack({
    redis: true,
    postgres: true,
    redisServer: { password: privateRedisPassword() },
  });
  try {
    const service = await startService({
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      seed: { users: 10, characters: 3, memories: 10 },
    });
    const user = service.seed?.users[0];
    if (!user) throw new Error('the seed created no user');
    const login = await fetch(`${service.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (login.status !== 200 || !cookie) throw new Error(`login answered ${login.status}`);
    const role = encodeURIComponent(user.characters[0] as string);
    const routes: Route[] = [
      { name: 'ceiling: GET /health/live', path: '/health/live', cached: false },
      { name: 'cached settings', path: '/api/me/settings', cached: true },
      { name: 'cached character list', path: '/api/characters', cached: true },
      { name: 'cached profile (structured)', path: `/api/characters/${role}/structured`, cached: true },
    ];
    // Every cached route must really be served from the cache on both workers before it is timed. Right after the
    // start the cache may still be fenced (the invalidator catching up: reads bypass it), so this retries for 30 s.
    for (const r of routes.filter((r) => r.cached)) {
      for (const base of service.workerUrls) {
        let cache: string | null = null;
        for (const until = Date.now() + 30_000; cache !== 'hit'; ) {
          const res = await fetch(base + r.path, { headers: { cookie } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${label}: ${r.path} answered ${res.status}`);
          cache = res.headers.get('x-cache');
          if (cache === 'hit') break;
          if (Date.now() > until) throw new Error(`${label}: ${r.path} on ${base} was not a hit (X-Cache: ${cache})`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    const workerPids = await Promise.all(
      service.workerUrls.map(async (url) => ((await (await fetch(`${url}/health`)).json()) as { pid: number }).pid),
    );
    return { label, stack, service, redis: new Redis(stack.redisUrl), cookie, routes, workerPids };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

export async function stopTarget(target: Target): Promise<void> {
  target.redis.disconnect();
  await target.service.stop();
  await target.stack.stop();
}

/** The route pattern as the workers' histogram labels it. */
export function routePattern(path: string): string {
  return path.startsWith('/api/characters/') ? '/api/characters/:role/structured' : path;
}
