import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOutcome, slotWalCheck, withCheck } from '../../../acceptance/audit.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

// The gate's audit step reports the invalidator slot's WAL risk of an external target (issue 22 item 7): an unlimited
// max_slot_wal_keep_size (-1, PostgreSQL's default) is a finding that fails the audit; a cap passes.
let stack: StartedLocalStack;
let db: pg.Pool;

beforeAll(async () => {
  // the cap not on the command line (it would win over ALTER SYSTEM)
  stack = await startLocalStack({ redis: false, postgresServer: { maxSlotWalKeepSize: null } });
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.end();
  await stack?.stop();
});

async function setCap(value: string): Promise<void> {
  await db.query(`ALTER SYSTEM SET max_slot_wal_keep_size = '${value}'`);
  await db.query('SELECT pg_reload_conf()');
  await sleep(200);
}

const redisAudit = auditOutcome({ ok: true, checks: [{ setting: 'maxmemory', expected: 1, actual: 1, ok: true }] });

describe('audit: the slot WAL risk of an external target', () => {
  it('an unlimited max_slot_wal_keep_size is a finding that fails the audit', async () => {
    await setCap('-1');
    const check = await slotWalCheck(stack.databaseUrl);
    expect(check).toMatchObject({ ok: false, actual: '-1 (unlimited)' });
    const outcome = withCheck({ ...redisAudit, report: { ok: true, checks: [] } }, check);
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toContain('max_slot_wal_keep_size');
  });

  it('a cap passes', async () => {
    await setCap('1GB');
    const check = await slotWalCheck(stack.databaseUrl);
    expect(check).toMatchObject({ ok: true, actual: '1024MB' });
    expect(withCheck({ ...redisAudit, report: { ok: true, checks: [] } }, check).status).toBe('pass');
  });

  it('an unreachable database is reported, not judged', async () => {
    const check = await slotWalCheck('postgres://nobody:x@127.0.0.1:1/none');
    expect(check.ok).toBe(true);
    expect(String(check.actual)).toMatch(/^not checked/);
  });
});
