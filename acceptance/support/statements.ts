/**
 * Statements counted by PostgreSQL itself: pg_stat_statements (sum of calls of top-level statements in the app
 * database, our own counting queries excluded) where the extension is there, otherwise pg_stat_database (committed + rolled-back transactions:
 * one per statement for the app's autocommit statements).
 */
import pg from 'pg';

export interface StatementCounter {
  source: 'pg_stat_statements' | 'pg_stat_database';
  count(): Promise<number>;
  close(): Promise<void>;
}

export async function statementCounter(databaseUrl: string): Promise<StatementCounter> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let source: StatementCounter['source'] = 'pg_stat_database';
  let topLevelOnly = '';
  try {
    await client.query('SELECT 1 FROM pg_stat_statements LIMIT 1');
    source = 'pg_stat_statements';
    // With pg_stat_statements.track=all, statements run inside others (foreign-key checks of an INSERT, functions)
    // are counted too; PostgreSQL 14+ marks what a client sent as toplevel.
    const col = await client.query(
      `SELECT 1 FROM pg_attribute WHERE attrelid = 'pg_stat_statements'::regclass AND attname = 'toplevel'`,
    );
    if (col.rowCount) topLevelOnly = 'AND s.toplevel';
  } catch {}
  const count = async (): Promise<number> => {
    if (source === 'pg_stat_statements') {
      const r = await client.query<{ n: string }>(
        `SELECT coalesce(sum(s.calls), 0)::text AS n
           FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
          WHERE d.datname = current_database()
            AND s.query NOT ILIKE '%pg_stat_statements%' AND s.query NOT ILIKE '%pg_stat_database%'
            AND s.query NOT ILIKE '%pg_attribute%' ${topLevelOnly}`,
      );
      return Number(r.rows[0]?.n ?? 0);
    }
    // pg_stat_database is updated when backends flush their statistics (about once a second): wait for it.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await client.query('SELECT pg_stat_clear_snapshot()');
    const r = await client.query<{ n: string }>(
      `SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()`,
    );
    return Number(r.rows[0]?.n ?? 0);
  };
  return { source, count, close: () => client.end() };
}
