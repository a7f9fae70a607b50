import { parseMemory } from '../config/budget.ts';
import { parseConfig, saveRulesOf } from '../config/render-config.ts';
import type { Target } from '../host/target.ts';
import { connectHost, redisCli } from '../server/redis-cli.ts';

export interface Check {
  setting: string;
  expected: string;
  actual: string;
  ok: boolean;
  note?: string;
}

/** Every ACL user with a password declared in a config: `user NAME on >PASSWORD …`. */
export function aclUsersOf(config: Map<string, string[]>): { name: string; password: string; keyPattern?: string }[] {
  return (config.get('user') ?? []).flatMap((rest) => {
    const words = rest.split(/\s+/);
    const password = words.find((w) => w.startsWith('>'))?.slice(1);
    const keyPattern = words.find((w) => w.startsWith('~'))?.slice(1);
    return words[0] && password ? [{ name: words[0], password, keyPattern }] : [];
  });
}

/**
 * The app users: ACL users with a key pattern (`~ns:*`). The replication and Sentinel users of a topology node have
 * none (they touch no keys) and are not probed as app users.
 */
export function appUsersOf(config: Map<string, string[]>): { name: string; password: string; keyPattern?: string }[] {
  return aclUsersOf(config).filter((u) => u.keyPattern !== undefined);
}

/** The passwords a config file holds (requirepass and every ACL user's `>password`): masked wherever it is shown. */
export function secretsInConfig(text: string | undefined): string[] {
  if (!text) return [];
  const config = parseConfig(text);
  return [
    ...[...(config.get('requirepass') ?? []), ...(config.get('masterauth') ?? [])].filter(
      (p) => p !== '' && p !== '""',
    ),
    ...aclUsersOf(config).map((u) => u.password),
  ];
}

/**
 * Checks the running server against the config file it should be running on (the file just installed or restored,
 * or the live file when planning): it answers, CONFIG GET matches, a password is enforced, the app user works inside
 * its namespace only. Every reply is parsed per command (an error reply cannot shift the others).
 */
export async function verifyLive(target: Target, configText: string): Promise<Check[]> {
  const config = parseConfig(configText);
  const first = (name: string): string => config.get(name)?.[0] ?? '';
  const port = Number(first('port') || 6379);
  const bind = first('bind');
  const host = connectHost(bind);
  const password = first('requirepass') || undefined;
  const checks: Check[] = [];
  const { replies, authError, stderr } = await redisCli(
    target,
    { host, port, auth: password ? { password } : undefined },
    [
      'PING',
      'CONFIG GET maxmemory',
      'CONFIG GET maxmemory-policy',
      'CONFIG GET save',
      'CONFIG GET port',
      'CONFIG GET bind',
    ],
  );
  const value = (index: number): string => {
    const reply = replies[index];
    return reply?.error ?? reply?.value ?? '(none)';
  };
  const add = (setting: string, expected: string, actual: string): void => {
    checks.push({ setting, expected, actual, ok: actual === expected });
  };
  add(
    'ping',
    'PONG',
    authError ? `AUTH refused: ${authError}` : replies[0]?.error === 'no reply' && stderr ? stderr : value(0),
  );
  add('maxmemory', String(parseMemory(first('maxmemory') || '0') ?? first('maxmemory')), value(1));
  add('maxmemory-policy', first('maxmemory-policy') || 'noeviction', value(2));
  add('save', saveRulesOf(config), value(3));
  add('port', String(port), value(4));
  if (bind) add('bind', bind.split(/\s+/).join(' '), value(5));
  if (password) {
    const anonymous = await redisCli(target, { host, port }, ['PING']);
    const reply = anonymous.replies[0];
    const refused = /NOAUTH/.test(reply?.error ?? '');
    add(
      'requirepass',
      'NOAUTH without password',
      refused ? 'NOAUTH without password' : (reply?.error ?? reply?.value ?? ''),
    );
  }
  for (const user of appUsersOf(config)) {
    const prefix = (user.keyPattern ?? '*').replace(/\*$/, '');
    const wanted = `writes ${prefix}*, NOPERM outside it and for CONFIG`;
    const probe = await redisCli(target, { host, port, auth: { user: user.name, password: user.password } }, [
      `SET ${prefix}provision-probe 1 PX 5000`,
      'GET provision-probe-outside-namespace',
      'CONFIG GET maxmemory',
    ]);
    const [set, outside, configGet] = probe.replies;
    const ok =
      !probe.authError &&
      set?.value === 'OK' &&
      /NOPERM/.test(outside?.error ?? '') &&
      /NOPERM/.test(configGet?.error ?? '');
    const actual = probe.authError
      ? `AUTH refused: ${probe.authError}`
      : probe.replies.map((r) => r.error ?? r.value).join(' | ');
    add(`acl user ${user.name}`, wanted, ok ? wanted : actual);
  }
  return checks;
}

/** `[overcommit]...WARNING: …` lines of `redis-server --check-system` (7.0+) → "overcommit WARNING, THP OK". */
export function summariseCheckSystem(stdout: string): string {
  return stdout
    .split('\n')
    .map((l) => /^\[([a-z0-9-]+)\]\.\.\.(OK|WARNING|ERROR|SKIPPED)?/i.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2] ?? '?'}`)
    .join(', ');
}
