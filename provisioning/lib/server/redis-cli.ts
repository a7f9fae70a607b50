import type { Target } from '../host/target.ts';

export interface CliConnection {
  host: string;
  port: number;
  /** AUTH first (sent on stdin: never on the command line). */
  auth?: { user?: string; password: string };
}

/** One command's reply: its text (for `CONFIG GET name`, the value), or the error redis-cli printed. */
export interface CliReply {
  value: string;
  error?: string;
}

export interface CliReplies {
  /** One per command, in order (an unanswered command gets an error). */
  replies: CliReply[];
  /** The AUTH error (WRONGPASS …), when AUTH was sent and refused. */
  authError?: string;
  /** What redis-cli said on stderr (e.g. "Could not connect …"). */
  stderr: string;
}

/** An error reply: an upper-case code word and a message (`WRONGPASS invalid …`, `NOPERM …`, `ERR …`). */
const ERROR_REPLY = /^[A-Z][A-Z_]+ \S/;

/** How many lines a successful reply takes in redis-cli's raw output (`CONFIG GET name` → name, value). */
function replyLines(command: string): number {
  return /^CONFIG\s+GET\s+\S+$/i.test(command.trim()) ? 2 : 1;
}

/**
 * Splits redis-cli's raw (non-tty) output into one reply per command. An error reply is followed by an empty line,
 * a successful one is not, so lines are consumed command by command rather than by position: a refused AUTH can no
 * longer shift every later reply by one.
 */
export function parseCliOutput(stdout: string, commands: readonly string[]): CliReply[] {
  const lines = stdout.replace(/\n$/, '').split('\n');
  if (stdout === '') lines.length = 0;
  let at = 0;
  return commands.map((command) => {
    if (at >= lines.length) return { value: '', error: 'no reply' };
    const first = lines[at]!;
    if (ERROR_REPLY.test(first)) {
      at += lines[at + 1] === '' ? 2 : 1;
      return { value: '', error: first };
    }
    const count = replyLines(command);
    const reply = lines.slice(at, at + count);
    at += count;
    return { value: count === 2 ? (reply[1] ?? '') : first };
  });
}

/**
 * Runs commands through redis-cli on the target, one per line on stdin (works the same over SSH). Passwords go in an
 * AUTH line on stdin, never `-a` (process list, shell history).
 */
export async function redisCli(target: Target, conn: CliConnection, commands: readonly string[]): Promise<CliReplies> {
  const all = [...commands];
  if (conn.auth) all.unshift(['AUTH', conn.auth.user, conn.auth.password].filter(Boolean).join(' '));
  const result = await target.exec(['redis-cli', '--no-auth-warning', '-h', conn.host, '-p', String(conn.port)], {
    input: `${all.join('\n')}\n`,
    timeoutMs: 15_000,
  });
  const parsed = parseCliOutput(result.stdout, all);
  const stderr = result.stderr.trim();
  const authReply = conn.auth ? parsed.shift() : undefined;
  const replies = parsed.map((r) => (r.error === 'no reply' && stderr ? { value: '', error: stderr } : r));
  return { replies, authError: authReply?.error, stderr };
}

/** Where to reach a server bound to `bind`: 127.0.0.1 when it is bound there, else its first address. */
export function connectHost(bind: string): string {
  const addresses = bind.split(/\s+/).filter(Boolean);
  if (addresses.length === 0 || addresses.some((a) => a.replace(/^-/, '') === '127.0.0.1' || a === '*')) {
    return '127.0.0.1';
  }
  return addresses[0]!.replace(/^-/, '');
}
