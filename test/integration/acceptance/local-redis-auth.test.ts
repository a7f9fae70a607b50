import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalRedis, startLocalRedis } from '../../../acceptance/target/local-redis.ts';

// Issue 21 part 2: the embedded target's single Redis has its password from the start (an included 0600 file), not by
// CONFIG SET once it runs — so it never answers without one, and the admin URL
// handed to the suites carries no credentials.

const ADMIN = 'Admin-Pw-7f3a9c';
const APP = 'App-Pw-2b8e41';
let redis: LocalRedis | undefined;
afterAll(async () => {
  await redis?.stop();
});

describe('the local target single Redis', () => {
  it('requires the password from its start, and survives a restart with it', async () => {
    redis = await startLocalRedis('single', ADMIN, APP);
    const server = redis.server;
    if (!server) throw new Error('single has a server');
    expect(redis.adminUrl).not.toContain(ADMIN);
    // the password comes from an included 0600 file in the server's folder (redis-server rewrites its process title,
    // so /proc cannot show argv; the file is what the start passed)
    const auth = statSync(join(server.dir, 'auth.conf'));
    expect(auth.mode & 0o777).toBe(0o600);

    const anonymous = async (): Promise<void> => {
      const client = new Redis(redis!.adminUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableReadyCheck: false,
        retryStrategy: () => null,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await expect(client.get('fastnpc:x')).rejects.toThrow(/NOAUTH/);
      } finally {
        client.disconnect();
      }
    };
    await anonymous();
    // a restart (the stack control's crash rows) comes back with the password already in force
    await server.restart();
    await anonymous();
    const admin = new Redis(redis.adminUrl, { password: ADMIN, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await admin.connect();
      expect(await admin.ping()).toBe('PONG');
    } finally {
      admin.disconnect();
    }
  });
});
