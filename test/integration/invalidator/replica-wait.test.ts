import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInvalidator } from '../../../src/invalidator/invalidator.ts';
import { parseLsn } from '../../../src/invalidator/lsn.ts';
import { REFERENCE_PROFILE } from '../../../src/invalidator/profiles.ts';
import { createDatabase } from '../../../src/service/db.ts';
import { migrate } from '../../../src/service/store/migrations.ts';
import { type StartedLocalStack, startLocalStack, startSentinelTopology } from '../../../src/stack/index.ts';

// Why the invalidator waits for the replicas before it acknowledges WAL: the primary applied a commit's deletions
// and persisted them (a BGSAVE finished after the apply), the replica had not received them (CLIENT PAUSE WRITE),
// then the primary died. Without the wait the slot was acknowledged past what the promoted replica holds: its
// marker is behind the slot, the invalidator can only empty the namespace (safe, but the whole cache goes cold).
// With the wait the slot still holds those commits: the new session replays them and every other entry stays.

let postgres: StartedLocalStack;
beforeAll(async () => {
  postgres = await startLocalStack({ redis: false });
  const db = createDatabase({ connectionString: postgres.databaseUrl, max: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
}, 120_000);
afterAll(async () => {
  await postgres?.stop();
});

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A BGSAVE that starts now (after any running one) and has finished. */
async function snapshot(client: Redis): Promise<void> {
  const saving = async () => (await client.info('persistence')).includes('rdb_bgsave_in_progress:1');
  await until('no snapshot in progress', 10_000, async () => !(await saving()));
  await client.bgsave();
  await until('the snapshot', 10_000, async () => !(await saving()));
}

async function round(waitForReplicas: boolean, namespace: string) {
  const topology = await startSentinelTopology();
  const sql = new pg.Client({ connectionString: postgres.databaseUrl });
  await sql.connect();
  const invalidator = startInvalidator({
    databaseUrl: postgres.databaseUrl,
    redis: { kind: 'sentinel', sentinels: [...topology.sentinelAddresses], name: topology.masterName },
    profile: REFERENCE_PROFILE,
    namespace,
    waitForReplicas,
    acknowledgeMs: 200,
  });
  try {
    await until('the invalidator streaming', 60_000, () => invalidator.status().sessions >= 1);
    const { rows } = await sql.query<{ id: number }>(
      "INSERT INTO users (username, password_hash, created_at) VALUES ($1, 'x', 0), ($2, 'x', 0) RETURNING id",
      [`${namespace}-a`, `${namespace}-b`],
    );
    const [written, bystander] = rows.map((r) => r.id) as [number, number];
    await sql.query('INSERT INTO user_settings (user_id, updated_at) VALUES ($1, 0), ($2, 0)', [written, bystander]);
    await until('the invalidator applied the inserts', 30_000, () => invalidator.status().transactions >= 2);
    const primary = await topology.currentPrimary();
    const replica = topology.nodes.find((n) => n !== primary)!;
    const onPrimary = new Redis(primary.url);
    // both users' settings cached (replicated to the replica)
    await onPrimary.set(`${namespace}:user_settings:${written}`, 'old');
    await onPrimary.set(`${namespace}:user_settings:${bystander}`, 'warm');
    const onReplica = new Redis(replica.url);
    await until(
      'replicated',
      10_000,
      async () => (await onReplica.get(`${namespace}:user_settings:${bystander}`)) === 'warm',
    );
    // the inserts persisted and replicated, hence acknowledged: only what follows is at stake
    const inserted = parseLsn(invalidator.status().appliedLsn ?? '0/0');
    await new Promise((r) => setTimeout(r, 2_500));
    await snapshot(onPrimary);
    await until(
      'the inserts acknowledged',
      15_000,
      () => parseLsn(invalidator.status().acknowledgedLsn ?? '0/0') >= inserted,
    );
    await onReplica.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    onReplica.disconnect();
    await sql.query('UPDATE user_settings SET ctx_max_chat = 777 WHERE user_id = $1', [written]);
    await until(
      'the update applied on the primary',
      10_000,
      async () => (await onPrimary.exists(`${namespace}:user_settings:${written}`)) === 0,
    );
    const applied = parseLsn(invalidator.status().appliedLsn ?? '0/0');
    // a snapshot that starts 2.5 s after the apply holds it (persistedBefore uses whole seconds, minus one)
    await new Promise((r) => setTimeout(r, 2_200));
    await onPrimary.bgsave();
    await until(
      'a snapshot after the apply',
      10_000,
      async () => !(await onPrimary.info('persistence')).includes('rdb_bgsave_in_progress:1'),
    );
    await new Promise((r) => setTimeout(r, 1_500)); // a few acknowledgement rounds
    const acknowledgedPastApply = parseLsn(invalidator.status().acknowledgedLsn ?? '0/0') >= applied;
    onPrimary.disconnect();
    const sessions = invalidator.status().sessions;
    const flushes = invalidator.status().namespaceFlushes;
    await primary.kill();
    const promoted = await topology.waitForFailover(primary, 60_000);
    await until(
      'a new invalidator session on the promoted replica',
      60_000,
      () => invalidator.status().sessions > sessions,
    );
    const onPromoted = new Redis(promoted.url);
    await until(
      'the lost deletion applied again',
      30_000,
      async () => (await onPromoted.exists(`${namespace}:user_settings:${written}`)) === 0,
    );
    const bystanderKept = (await onPromoted.get(`${namespace}:user_settings:${bystander}`)) === 'warm';
    onPromoted.disconnect();
    return { acknowledgedPastApply, emptied: invalidator.status().namespaceFlushes - flushes, bystanderKept };
  } finally {
    await invalidator.stop();
    await sql.end();
    await topology.stop();
  }
}

describe('the invalidator acknowledges WAL only once the replicas have it', () => {
  it('control (no wait): acknowledged past the promoted replica — the namespace is emptied after the failover', async () => {
    const control = await round(false, 'rwcontrol');
    console.log(`replica-wait control: ${JSON.stringify(control)}`);
    expect(control.acknowledgedPastApply).toBe(true);
    expect(control.emptied).toBe(1);
    expect(control.bystanderKept).toBe(false);
  }, 240_000);

  it('with the wait: replayed from the promoted replica’s marker — the other entries stay', async () => {
    const guarded = await round(true, 'rwguarded');
    console.log(`replica-wait guarded: ${JSON.stringify(guarded)}`);
    expect(guarded.acknowledgedPastApply).toBe(false);
    expect(guarded.emptied).toBe(0);
    expect(guarded.bystanderKept).toBe(true);
  }, 240_000);
});
