import pg from 'pg';
import { currentContext, type RequestContext } from './request-context.ts';

/** Called once per statement sent to PostgreSQL (the /metrics counter hooks in here). */
export type StatementListener = () => void;

/** The subset of pg the store uses: every statement goes through `query`, so each one is counted. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * The SQL expression of the current transaction's id (`xid8`, 64 bits with the epoch) as text: added to a write
 * statement (`RETURNING … AS xid`) or selected inside a write transaction, so the write path can mark its own
 * invalidation for the commit-log invalidator (docs/invalidation.md).
 */
export const CURRENT_XID_SQL = 'pg_current_xact_id()::text';

/** The 32-bit transaction id pgoutput's Begin message carries, from the `xid8` text PostgreSQL returns. */
export function wireXid(xid8: string): string {
  return (BigInt(xid8) & 0xffff_ffffn).toString();
}

/** The id of the transaction `tx` runs (one statement); call it inside a write transaction, after its writes. */
const XID_SELECT = `SELECT ${CURRENT_XID_SQL} AS xid`;

export async function currentXid(tx: Queryable): Promise<string> {
  const result = await tx.query<{ xid: string }>(XID_SELECT);
  return wireXid(result.rows[0]!.xid);
}

/**
 * `db` with its `query` replaced by `query` (every other member is `db`'s own, bound to it): how the emulated defects
 * intercept statements without a branch in the store.
 */
export function withQuery<D extends Queryable>(db: D, query: Queryable['query']): D {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'query') return query;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A pg pool whose statements are counted per request (AsyncLocalStorage) and in total. */
export interface Database extends Queryable {
  /** Runs `fn` in one transaction on one connection (BEGIN/COMMIT count as statements, as they are sent). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs `fn` on one connection without a transaction (profile loads read ~15 statements on one connection). */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  readonly pool: pg.Pool;
}

export interface DatabaseOptions {
  connectionString: string;
  max?: number;
  onStatement?: StatementListener;
}

function count(onStatement?: StatementListener): RequestContext | undefined {
  const context = currentContext();
  if (context) context.dbQueries += 1;
  onStatement?.();
  return context;
}

/** Adds the statement's time to the request's `db` (and `xid`, for the transaction-id select) timing. */
function timed<R>(context: RequestContext | undefined, text: string, sent: Promise<R>): Promise<R> {
  if (!context) return sent;
  const start = performance.now();
  const done = (): void => {
    const ms = performance.now() - start;
    context.timing.db += ms;
    if (text.startsWith(XID_SELECT)) context.timing.xid += ms;
  };
  return sent.then(
    (result) => {
      done();
      return result;
    },
    (error: unknown) => {
      done();
      throw error;
    },
  );
}

function counted(client: pg.ClientBase, onStatement?: StatementListener): Queryable {
  return {
    query: (text, values) => timed(count(onStatement), text, client.query(text, values)),
  };
}

/**
 * A checked-out pg client has no 'error' listener of the pool (the pool listens only while it is idle): a server
 * restart or `pg_terminate_backend` while a request holds it (e.g. waiting on ROLLBACK) emits 'error' on it, and
 * an unhandled 'error' event kills the worker. Hold a listener for as long as the client is checked out; the
 * failing query rejects on its own, and a client that errored is destroyed instead of returned to the pool.
 */
async function checkout(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: (broken?: boolean) => void }> {
  const client = await pool.connect();
  let errored = false;
  const onError = (): void => {
    errored = true;
  };
  client.on('error', onError);
  return {
    client,
    release: (broken = false) => {
      client.off('error', onError);
      client.release(broken || errored);
    },
  };
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that errors (server restart) must not crash the worker.
  pool.on('error', () => {});
  const { onStatement } = options;

  const withConnection = async <T>(fn: (conn: Queryable) => Promise<T>): Promise<T> => {
    const { client, release } = await checkout(pool);
    try {
      return await fn(counted(client, onStatement));
    } finally {
      release();
    }
  };

  return {
    pool,
    query: (text, values) => timed(count(onStatement), text, pool.query(text, values)),
    withConnection,
    transaction: async (fn) => {
      const { client, release } = await checkout(pool);
      const tx = counted(client, onStatement);
      let broken = false;
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        await tx.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await tx.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        release(broken);
      }
    },
    ping: async () => {
      try {
        count(onStatement);
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
