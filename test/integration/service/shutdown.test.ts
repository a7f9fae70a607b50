import { afterAll, beforeAll, expect, it } from 'vitest';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { Client, enc } from './http.ts';

// Worker restart, and graceful shutdown: a request in flight when SIGTERM arrives still gets its answer; then
// nothing listens.
let stack: StartedLocalStack;
let service: StartedService;

beforeAll(async () => {
  stack = await startLocalStack({ redis: false });
  service = await startService({
    databaseUrl: stack.databaseUrl,
    cacheMode: 'off',
    seed: { users: 1, characters: 1, memories: 1 },
    env: { LLM_LATENCY_MS: '1500', LOG_LEVEL: 'error' },
  });
});
afterAll(async () => {
  await service?.stop();
  await stack?.stop();
});

it('a worker that dies is restarted on its ports by the primary', async () => {
  const before = await new Client(service.workerUrls[0]!).get('/health');
  process.kill(before.body.pid, 'SIGKILL');
  let after = before;
  for (let i = 0; i < 100 && after.body?.pid === before.body.pid; i += 1) {
    await new Promise((r) => setTimeout(r, 200));
    after = await new Client(service.workerUrls[0]!).get('/health').catch(() => before);
  }
  expect(after.status).toBe(200);
  expect(after.body.worker).toBe(1);
  expect(after.body.pid).not.toBe(before.body.pid);
});

it('SIGTERM lets in-flight requests finish, closes the workers and frees the ports', async () => {
  const user = service.seed!.users[0]!;
  const client = new Client(service.workerUrls[1]!);
  await client.login(user.username, user.password);
  const inFlight = client.post(`/api/chat/${enc(user.characters[0]!)}/messages`, { content: '慢慢说' });
  await new Promise((r) => setTimeout(r, 400)); // the responder is now waiting its 1.5 s
  const stopping = service.stop();
  const reply = await inFlight;
  expect(reply.status).toBe(200);
  expect(reply.body.reply).toContain('慢慢说');
  await stopping;
  await expect(fetch(`${service.workerUrls[1]}/health`)).rejects.toThrow();
  await expect(fetch(`${service.baseUrl}/health`)).rejects.toThrow();
});
