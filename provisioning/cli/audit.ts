#!/usr/bin/env -S npx tsx
/**
 * npm run audit -- --redis-url redis://127.0.0.1:6379 [--password-file F] [--json reports/audit.json]
 * Compares a running Redis with what it should be; exit 1 on drift. CI runs this before a deploy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chalk } from 'zx';
import { type AuditExpected, type AuditReport, auditRedis } from '../lib/checks/audit.ts';
import { EXIT, ProvisionError } from '../lib/command/errors.ts';
import { parseBind, parsePolicy, parseStrict } from '../lib/command/options.ts';
import { fail, ok, registerSecret, runMain, say } from '../lib/command/report.ts';
import { readSecret } from '../lib/command/secrets.ts';

export const HELP = `Usage: npm run audit -- [--redis-url URL] [options]

Connects to a running Redis and compares CONFIG GET / INFO with the expected values: maxmemory, maxmemory-policy,
save rules, appendonly, bind, protected-mode, timeout, tcp-keepalive, tcp-backlog, port, persistence health
(rdb_last_bgsave_status), auth required when a password is given, listening addresses loopback only.
Expected values come from the repository's redis.conf; the options below override them like provision's do.

  --redis-url URL         (default redis://127.0.0.1:6379)
  --password-file FILE    the password (or REDIS_PASSWORD); never on the command line
  --json PATH             write the report as JSON (default reports/audit.json)
  --maxmemory SIZE        expected maxmemory (default: the repository's, 200mb)
  --policy POLICY         expected maxmemory-policy
  --no-persistence        expect save ""
  --bind "ADDR ..."       expected bind
  --no-require-password   do not demand that a connection without the password is refused
  -h, --help

Exit codes: 0 no drift, 1 drift or unreachable (the failing settings are named), 64 bad input.`;

function table(report: AuditReport): string {
  const rows = report.checks.map((c) => [c.ok ? 'ok' : 'DRIFT', c.setting, c.expected, c.actual, c.note ?? '']);
  const head = ['', 'setting', 'expected', 'actual', 'note'];
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (r: string[]): string =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [chalk.bold(line(head)), ...rows.map((r) => (r[0] === 'ok' ? line(r) : chalk.red(line(r))))].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const a = parseStrict(argv, {
    boolean: ['help', 'persistence', 'require-password'],
    string: ['redis-url', 'password-file', 'json', 'maxmemory', 'policy', 'bind'],
    alias: { h: 'help' },
    default: { persistence: true, 'require-password': true },
  });
  if (a.help) {
    say(HELP);
    return EXIT.OK;
  }
  const redisUrl = String(a['redis-url'] ?? 'redis://127.0.0.1:6379');
  try {
    const url = new URL(redisUrl);
    if (url.protocol !== 'redis:') throw new Error('protocol');
  } catch {
    throw new ProvisionError('E_USAGE', `--redis-url ${redisUrl}: expected redis://host:port`);
  }
  if (new URL(redisUrl).password) {
    throw new ProvisionError('E_USAGE', '--redis-url must not carry a password: use --password-file or REDIS_PASSWORD');
  }
  const password = readSecret('the Redis password', a['password-file'] as string | undefined, 'REDIS_PASSWORD');
  registerSecret(password);
  const expected: AuditExpected = {};
  if (a.maxmemory !== undefined) expected.maxmemory = String(a.maxmemory);
  if (a.policy !== undefined) expected.policy = parsePolicy(String(a.policy));
  if (a.persistence === false) expected.save = '';
  if (a.bind !== undefined) expected.bind = parseBind(String(a.bind)).join(' ');
  expected.requirePassword = password !== undefined && a['require-password'] !== false;

  const report = await auditRedis({ redisUrl, password, expected });
  say(`audit of ${report.target}`);
  say(table(report));
  const jsonPath = resolve(String(a.json ?? 'reports/audit.json'));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify({ ...report, generatedAt: new Date().toISOString() }, null, 2)}\n`);
  say(`report written to ${jsonPath}`);
  const drift = report.checks.filter((c) => !c.ok);
  if (drift.length > 0) {
    fail(
      `drift on ${report.target}: ${drift.map((c) => `${c.setting} (expected ${c.expected}, actual ${c.actual})`).join('; ')}`,
    );
    return EXIT.FAILED;
  }
  ok(`no drift: ${report.checks.length} checks passed`);
  return EXIT.OK;
}

await runMain(main);
