import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinary, startPostgres } from '../../../src/stack/index.ts';
import { POSTGRES_TEMPLATE_PREFIX, templateDir } from '../../../src/stack/postgres-template.ts';

// A TMPDIR of this file's own, so the machine's shared template is never the one broken here.
let own: string;
let saved: string | undefined;
beforeAll(() => {
  own = mkdtempSync(join(tmpdir(), 'pg-template-test-'));
  chmodSync(own, 0o755); // run as root, PostgreSQL runs as "postgres" and must reach it
  saved = process.env.TMPDIR;
  process.env.TMPDIR = own;
});
afterAll(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
  rmSync(own, { recursive: true, force: true });
});

const templates = () => readdirSync(own).filter((name) => name.startsWith(POSTGRES_TEMPLATE_PREFIX));

async function answers(server: { url: string }): Promise<void> {
  const db = new pg.Client({ connectionString: server.url });
  await db.connect();
  try {
    expect((await db.query('SELECT current_database() AS name')).rows[0]).toEqual({ name: 'fastnpc' });
  } finally {
    await db.end();
  }
}

describe('private PostgreSQL from a template data folder', () => {
  it('the first server makes the template, later ones copy it; a broken template is made again', async () => {
    expect(templates()).toEqual([]);
    const first = await startPostgres();
    await answers(first);
    await first.stop();
    // one template, complete, and no half-built folder left beside it
    expect(templates()).toHaveLength(1);
    const data = join(own, templates()[0] ?? '', 'data');
    expect(existsSync(join(data, 'PG_VERSION'))).toBe(true);

    const second = await startPostgres();
    await answers(second);
    expect(existsSync(join(second.dir, 'data', 'PG_VERSION'))).toBe(true);
    await second.stop();

    // a temp cleaner took part of it: the next start makes it again instead of copying a broken cluster
    rmSync(join(data, 'global'), { recursive: true, force: true });
    const third = await startPostgres();
    await answers(third);
    await third.stop();
    expect(existsSync(join(data, 'global', 'pg_control'))).toBe(true);
    expect(templates()).toHaveLength(1);
  });

  it('the template is keyed by the initdb binary, its arguments and the user: another user gets another one', () => {
    const initdb = findPostgresBinary('initdb');
    expect(templateDir(initdb, {})).toBe(templateDir(initdb, {}));
    expect(templateDir(initdb, { uid: 12345 })).not.toBe(templateDir(initdb, {}));
  });
});
