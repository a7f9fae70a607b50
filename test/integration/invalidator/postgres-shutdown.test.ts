import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningInvalidator, startInvalidator } from '../../../src/invalidator/invalidator.ts';
import { PROFILES } from '../../../src/invalidator/profiles.ts';
import { createDatabase } from '../../../src/service/db.ts';
import { migrate } from '../../../src/service/store/migrations.ts';
import { privateRedisPassword, type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

// A PostgreSQL fast shutdown waits for every walsender, and a logical walsender exits only once its consumer
// confirmed everything it sent (or went away). The invalidator confirms a position only once Redis persisted it, so
// before issue 22's fix the stop waited until a tick on the dying server failed the session (idle ticks every 2 s:
// 0.34–2.07 s restarts instead of 0.22–0.25 s). Now PostgreSQL's request for a final reply ends the session at once.
// Redis here snapshots (redis.conf's save rules, nothing saved yet): nothing the invalidator applied is persisted,
// and the idle tick is an hour away — the control (no reaction to the request) holds pg_ctl stop until it gives up.
let stack: StartedLocalStack;
let running: RunningInvalidator | undefined;
const reasons: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ redisServer: { password: privateRedisPassword() } });
  const db = createDatabase({ connectionString: stack.databaseUrl, max: 1 });
  try {
    await migrate(db);
    await db.query("INSERT INTO users (username, password_hash, created_at) VALUES ('shutdown', 'x', 0)");
  } finally {
    await db.close();
  }
});
afterAll(async () => {
  await running?.stop();
  await stack?.stop();
});

describe('invalidator: PostgreSQL shutdown', () => {
  it('a fast shutdown is not held by the slot: the session lets go on the final reply request', async () => {
    running = startInvalidator({
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      profile: PROFILES.reference!,
      idleTickMs: 3_600_000,
      logger: {
        info: () => {},
        warn: (message, context) => {
          if (message.startsWith('invalidator session ended')) reasons.push(String(context?.reason));
        },
      },
    });
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const deadline = Date.now() + 30_000;
      while (running.status().sessions === 0) {
        if (Date.now() > deadline) throw new Error('the invalidator did not start a session');
        await sleep(50);
      }
      await db.query("UPDATE users SET username = 'shutdown-2' WHERE username = 'shutdown'");
      while (running.status().transactions === 0) {
        if (Date.now() > deadline) throw new Error('the commit was not applied');
        await sleep(50);
      }
    } finally {
      await db.end();
    }
    // with an unconfirmed position the walsender would wait for the consumer until pg_ctl gives up (30 s here)
    await stack.postgres!.restart(0);
    expect(reasons[0]).toMatch(/final reply/);
  }, 60_000);
});
