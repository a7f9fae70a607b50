#!/usr/bin/env -S npx tsx
/**
 * npm run audit -- --redis-url redis://127.0.0.1:6379 [--password-file F] [--json reports/audit.json]
 * Compares a running Redis with what it should be; exit 1 on drift. CI runs this before a deploy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chalk } from 'zx';
import {
  type AuditExpected,
  type AuditReport,
  auditRedis,
  parseListeners,
  type SocketReader,
} from '../lib/checks/audit.ts';
import { EXIT, ProvisionError } from '../lib/command/errors.ts';
import { parseBind, parsePolicy, parsePort, parseStrict } from '../lib/command/options.ts';
import { fail, ok, registerSecret, runMain, say } from '../lib/command/report.ts';
import { readSecret } from '../lib/command/secrets.ts';
import { provisionSetting } from '../lib/command/variables.ts';
import { isValidDestination } from '../lib/host/ssh.ts';
import { readText, sshTarget } from '../lib/host/target.ts';

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
  --expect-port PORT      the port the server itself must report (default: the URL's; give it when the URL is a tunnel)
  --allow-no-auth         accept a server that answers without a password (default: that is drift)
  --host USER@SERVER      read the listening sockets of the audited host over SSH (--sudo, --ssh-config FILE as for
                          provision); without it they are read only when the server is a process of this machine,
                          else the row says "not checked"
  -h, --help

Exit codes (docs/exit-codes.md): 0 no drift, 1 drift (the failing settings are named), 2 bad input (nothing ran),
3 the server (or the --host for its sockets) cannot be reached.`;

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
    boolean: ['help', 'persistence', 'require-password', 'allow-no-auth', 'sudo'],
    string: ['redis-url', 'password-file', 'json', 'maxmemory', 'policy', 'bind', 'expect-port', 'host', 'ssh-config'],
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
  if (a['expect-port'] !== undefined) expected.port = parsePort(a['expect-port']);
  // Safe default: a Redis that answers without a password is drift unless the operator says it may.
  expected.requirePassword = !a['allow-no-auth'] && a['require-password'] !== false;

  const host = a.host === undefined ? undefined : String(a.host);
  if (host !== undefined && !isValidDestination(host))
    throw new ProvisionError('E_USAGE', `--host ${host}: expected user@server`);
  if (a.sudo && host === undefined) throw new ProvisionError('E_USAGE', '--sudo only applies with --host user@server');
  let sockets: SocketReader | undefined;
  if (host) {
    const target = sshTarget({
      destination: host,
      sudo: Boolean(a.sudo),
      configFile: (a['ssh-config'] as string | undefined) ?? provisionSetting('PROVISION_SSH_CONFIG'),
    });
    sockets = {
      where: host,
      read: async (port) =>
        parseListeners(
          `${(await readText(target, '/proc/net/tcp')) ?? ''}\n${(await readText(target, '/proc/net/tcp6')) ?? ''}`,
          port,
        ),
    };
  }

  const report = await auditRedis({ redisUrl, password, expected, sockets });
  say(`audit of ${report.target}`);
  say(table(report));
  const jsonPath = resolve(String(a.json ?? 'reports/audit.json'));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify({ ...report, generatedAt: new Date().toISOString() }, null, 2)}\n`);
  say(`report written to ${jsonPath}`);
  const connection = report.checks.find((c) => c.setting === 'connection');
  // a refused password is a reachable server that fails the audit (1), not an unreachable one (3)
  if (connection && !connection.ok && !/NOAUTH|WRONGPASS|AUTH|password/i.test(connection.actual)) {
    fail(`cannot reach ${report.target}: ${connection.actual}${connection.note ? ` (${connection.note})` : ''}`);
    return EXIT.UNREACHABLE;
  }
  if (connection && !connection.ok) {
    // reachable, but the password was refused or missing: nothing could be compared, so this is no "drift"
    fail(
      `authentication failed on ${report.target}: ${connection.actual} — check the password (--password-file or REDIS_PASSWORD) and the user (--redis-url)`,
    );
    return EXIT.FAILED;
  }
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
