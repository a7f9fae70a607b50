import type { Database } from '../../../src/service/db.ts';

/**
 * A Database without PostgreSQL: every statement answers the rows `answer` picks from its SQL text (none by default)
 * and is recorded, whole and in order, in `statements`.
 */
export function fakeDb(answer: (sql: string) => unknown[] = () => []): Database & { statements: string[] } {
  const statements: string[] = [];
  const query = (async (sql: string) => {
    statements.push(sql);
    return { rows: answer(sql), rowCount: 0 } as never;
  }) as Database['query'];
  return {
    statements,
    query,
    withConnection: (fn) => fn({ query }),
    transaction: (fn) => fn({ query }),
    ping: async () => true,
    close: async () => {},
    pool: undefined as never,
  };
}
