import type { Target } from '../host/target.ts';

export interface CliConnection {
  host: string;
  port: number;
  /** AUTH first (sent on stdin: never on the command line). */
  auth?: { user?: string; password: string };
}

/**
 * Runs commands through redis-cli on the target, one per line on stdin (works the same over SSH), and returns the
 * raw reply lines. Passwords go in an AUTH line on stdin, never `-a` (process list, shell history).
 */
export async function redisCli(target: Target, conn: CliConnection, commands: readonly string[]): Promise<string[]> {
  const lines = [...commands];
  if (conn.auth) lines.unshift(['AUTH', conn.auth.user, conn.auth.password].filter(Boolean).join(' '));
  const result = await target.exec(['redis-cli', '--no-auth-warning', '-h', conn.host, '-p', String(conn.port)], {
    input: `${lines.join('\n')}\n`,
    timeoutMs: 15_000,
  });
  const out = `${result.stdout}${result.stderr}`.replace(/\n$/, '').split('\n');
  return conn.auth ? out.slice(1) : out;
}

/** Where to reach a server bound to `bind`: 127.0.0.1 when it is bound there, else its first address. */
export function connectHost(bind: string): string {
  const addresses = bind.split(/\s+/).filter(Boolean);
  if (addresses.length === 0 || addresses.some((a) => a.replace(/^-/, '') === '127.0.0.1' || a === '*')) {
    return '127.0.0.1';
  }
  return addresses[0]!.replace(/^-/, '');
}
