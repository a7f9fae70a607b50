import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, enc, registerUser } from './http.ts';
import { type ServiceFixture, startFixture } from './setup.ts';

// D2: a PostgreSQL restart must never kill a worker, and requests while it is down fail fast with 503 +
// Retry-After instead of 500.
let fixture: ServiceFixture;
let stack: ServiceFixture['stack'];
let service: ServiceFixture['service'];

beforeAll(async () => {
  fixture = await startFixture({ seed: { users: 1, characters: 1, memories: 1 } });
  ({ stack, service } = fixture);
});
afterAll(async () => {
  await fixture?.stop();
});

/** A child process that runs a transaction whose backend is terminated while it holds the client. */
const TERMINATED_TRANSACTION = `
import { createDatabase } from './src/service/db.ts';
const db = createDatabase({ connectionString: process.env.DATABASE_URL });
let rejected = '';
try {
  await db.transaction(async (tx) => { await tx.query('SELECT pg_terminate_backend(pg_backend_pid())'); });
} catch (error) { rejected = error.message; }
await new Promise((r) => setTimeout(r, 300)); // the client's 'error' event arrives after the rejection
console.log(JSON.stringify({ rejected, stillQueryable: await db.ping() }));
await db.close();
`;

describe('PostgreSQL terminating a session in a transaction (D2)', () => {
  it('rejects the transaction; the process survives the pg error event and the pool still works', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', TERMINATED_TRANSACTION],
      {
        env: { ...process.env, DATABASE_URL: stack.databaseUrl },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    // before the fix: exit code 1, "Unhandled 'error' event" — the worker died
    expect(child.stderr).not.toMatch(/Unhandled 'error' event/);
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result.rejected).toMatch(/terminat/i);
    expect(result.stillQueryable).toBe(true);
  });
});

describe('a PostgreSQL restart under the two-worker service (D2)', () => {
  it('answers 503 + Retry-After while it is down, no worker dies, and the same workers answer afterwards', async () => {
    const client = await registerUser(service.workerUrls[0]!, 'pgrestart');
    await client.post('/api/characters', { role: '韩信' });
    const pids = await Promise.all(
      service.workerUrls.map(async (url) => (await new Client(url).get('/health')).body.pid as number),
    );
    const statuses: number[] = [];
    const retryAfter = new Set<string | null>();
    let stop = false;
    const traffic = (async () => {
      let i = 0;
      while (!stop) {
        const url = service.workerUrls[i % 2]!;
        i += 1;
        // the message list is never cached: every request needs PostgreSQL
        const reply = await client.on(url).get(`/api/chat/${enc('韩信')}/messages`);
        statuses.push(reply.status);
        if (reply.status === 503) retryAfter.add(reply.headers.get('retry-after'));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await stack.postgres!.restart(1_500);
    // the pool reconnects on the next checkout
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && statuses.at(-1) !== 200) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await traffic;
    const counts = statuses.reduce<Record<number, number>>((acc, s) => {
      acc[s] = (acc[s] ?? 0) + 1;
      return acc;
    }, {});
    console.log(`[figures] PostgreSQL restart (1.5 s down): ${JSON.stringify(counts)}`);
    expect(counts[500] ?? 0).toBe(0);
    expect(counts[503] ?? 0).toBeGreaterThan(0);
    expect([...retryAfter]).toEqual(['1']);
    expect(statuses.at(-1)).toBe(200);
    const after = await Promise.all(
      service.workerUrls.map(async (url) => (await new Client(url).get('/health')).body.pid as number),
    );
    expect(after).toEqual(pids);
  });
});
