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

/** The app users declared in a config: `user NAME on >PASSWORD … ~ns:* …`. */
export function appUsersOf(config: Map<string, string[]>): { name: string; password: string; keyPattern?: string }[] {
  return (config.get('user') ?? []).flatMap((rest) => {
    const words = rest.split(/\s+/);
    const password = words.find((w) => w.startsWith('>'))?.slice(1);
    const keyPattern = words.find((w) => w.startsWith('~'))?.slice(1);
    return words[0] && password ? [{ name: words[0], password, keyPattern }] : [];
  });
}

/**
 * Checks the running server against the config file it should be running on (the file just installed or restored):
 * it answers, CONFIG GET matches, a password is enforced, the app user works inside its namespace only.
 */
export async function verifyLive(target: Target, configText: string): Promise<Check[]> {
  const config = parseConfig(configText);
  const first = (name: string): string => config.get(name)?.[0] ?? '';
  const port = Number(first('port') || 6379);
  const host = connectHost(first('bind'));
  const password = first('requirepass') || undefined;
  const checks: Check[] = [];
  const replies = await redisCli(target, { host, port, auth: password ? { password } : undefined }, [
    'PING',
    'CONFIG GET maxmemory',
    'CONFIG GET maxmemory-policy',
    'CONFIG GET save',
    'CONFIG GET port',
  ]);
  checks.push({ setting: 'ping', expected: 'PONG', actual: replies[0] ?? '', ok: replies[0] === 'PONG' });
  const value = (index: number): string => replies[index] ?? '(none)';
  const expectMaxmemory = String(parseMemory(first('maxmemory') || '0') ?? first('maxmemory'));
  checks.push({ setting: 'maxmemory', expected: expectMaxmemory, actual: value(2), ok: value(2) === expectMaxmemory });
  const policy = first('maxmemory-policy') || 'noeviction';
  checks.push({ setting: 'maxmemory-policy', expected: policy, actual: value(4), ok: value(4) === policy });
  const save = saveRulesOf(config);
  checks.push({ setting: 'save', expected: save, actual: value(6), ok: value(6) === save });
  checks.push({ setting: 'port', expected: String(port), actual: value(8), ok: value(8) === String(port) });
  if (password) {
    const anonymous = await redisCli(target, { host, port }, ['PING']);
    const refused = /NOAUTH/.test(anonymous.join(' '));
    checks.push({
      setting: 'requirepass',
      expected: 'NOAUTH without password',
      actual: refused ? 'NOAUTH without password' : anonymous.join(' '),
      ok: refused,
    });
  }
  for (const user of appUsersOf(config)) {
    const prefix = (user.keyPattern ?? '*').replace(/\*$/, '');
    const replies = await redisCli(target, { host, port, auth: { user: user.name, password: user.password } }, [
      `SET ${prefix}provision-probe 1 PX 5000`,
      'GET provision-probe-outside-namespace',
      'CONFIG GET maxmemory',
    ]);
    const out = replies.filter((l) => l !== ''); // redis-cli follows an error reply with an empty line
    const ok = out[0] === 'OK' && /NOPERM/.test(out[1] ?? '') && /NOPERM/.test(out[2] ?? '');
    checks.push({
      setting: `acl user ${user.name}`,
      expected: `writes ${prefix}*, NOPERM outside it and for CONFIG`,
      actual: ok ? `writes ${prefix}*, NOPERM outside it and for CONFIG` : out.join(' | '),
      ok,
    });
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
