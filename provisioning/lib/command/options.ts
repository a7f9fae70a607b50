import { isIP } from 'node:net';
import { minimist } from 'zx';
import { ACL_USER_NAME, DEFAULT_NAMESPACE, NAMESPACE_PATTERN } from '../config/acl.ts';
import { isValidDestination } from '../host/ssh.ts';
import { ProvisionError } from './errors.ts';
import { provisionEnv } from './variables.ts';

export const POLICIES = [
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'noeviction',
] as const;

/** Defaults of every provisioning option (the plan's values). */
export const DEFAULTS = {
  maxmemory: '200mb',
  policy: 'allkeys-lru',
  port: 6379,
  bind: '127.0.0.1 -::1',
  persistence: true,
  namespace: DEFAULT_NAMESPACE,
  root: '/',
} as const;

export interface ProvisionOptions {
  help: boolean;
  check: boolean;
  yes: boolean;
  /** @default '200mb' */
  maxmemory: string;
  /** @default 'allkeys-lru' */
  policy: string;
  /** @default 6379 */
  port: number;
  /** @default ['127.0.0.1', '-::1'] */
  bind: string[];
  /** @default true (`--no-persistence` turns snapshots off) */
  persistence: boolean;
  passwordFile?: string;
  /**
   * Waive the password: without it, a run that has no password (none given, none on the host) is refused, so no
   * command of the project leaves a Redis that answers without one. @default false
   */
  allowNoAuth: boolean;
  appUser?: string;
  appPasswordFile?: string;
  /** @default 'fastnpc' */
  namespace: string;
  /** @default [] */
  extra: string[];
  /** Set by provision-topology only: packages installed with the server's in one apt-get (redis-sentinel). */
  extraPackages?: string[];
  /** Set by provision-topology only (never from argv: the lines hold secrets); see RenderOptions.replication. */
  replication?: string[];
  /** user@server: run the steps over SSH (the first of `hosts`). */
  host?: string;
  /** Every --host given: more than one provisions them in parallel, one summary line each. @default [] */
  hosts: string[];
  sudo: boolean;
  /** `ssh -F FILE` for --host (env PROVISION_SSH_CONFIG). */
  sshConfig?: string;
  /** Prefix for every host path (tests). @default PROVISION_ROOT or '/' */
  root: string;
  /** @default PROVISION_OS_RELEASE or <root>/etc/os-release */
  osRelease?: string;
}

const usage = (message: string): ProvisionError => new ProvisionError('E_USAGE', message);

/** minimist with strict option names: an unknown option is a usage error, not silently ignored. */
export function parseStrict(
  argv: string[],
  spec: {
    boolean: string[];
    string: string[];
    alias?: Record<string, string>;
    default?: Record<string, unknown>;
    /** Options that may be given more than once. @default ['extra'] */
    repeatable?: string[];
  },
): Record<string, unknown> {
  const known = new Set([...spec.boolean, ...spec.string, ...Object.keys(spec.alias ?? {})]);
  const unknown: string[] = [];
  const parsed = minimist(argv, {
    boolean: spec.boolean,
    string: spec.string,
    alias: spec.alias,
    default: spec.default,
    unknown: (arg: string) => {
      if (!arg.startsWith('-')) {
        unknown.push(arg);
        return false;
      }
      const name = arg.replace(/^--?(no-)?/, '').split('=')[0]!;
      if (!known.has(name)) unknown.push(arg.split('=')[0]!);
      return known.has(name);
    },
  });
  if (unknown.length > 0) {
    const first = unknown[0]!;
    if (first.startsWith('--password') || first.startsWith('-a')) {
      throw usage(
        `${first} is not an option: a password is never taken from the command line (use --password-file or REDIS_PASSWORD)`,
      );
    }
    throw usage(`unknown ${first.startsWith('-') ? 'option' : 'argument'} ${first} (see --help)`);
  }
  for (const name of spec.string) {
    const value = parsed[name];
    if (Array.isArray(value) && !(spec.repeatable ?? ['extra']).includes(name)) {
      throw usage(`--${name} given more than once`);
    }
    if (value === '' && argv.some((a) => a === `--${name}`)) throw usage(`--${name} needs a value`);
  }
  return parsed;
}

export function parseBind(value: string): string[] {
  const addresses = value.split(/[\s,]+/).filter(Boolean);
  if (addresses.length === 0) throw usage('--bind needs at least one address');
  for (const a of addresses) {
    const address = a.replace(/^-/, '');
    if (!isIP(address)) throw usage(`--bind ${a}: not an IP address`);
    if (!(address === '::1' || address.startsWith('127.'))) {
      throw usage(
        `--bind ${a} refused: the plan keeps Redis on loopback (both app workers run on this host) and the audit fails on any other listening address`,
      );
    }
  }
  return addresses;
}

export function parsePort(value: unknown): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw usage(`--port ${String(value)}: not a TCP port (1-65535)`);
  return port;
}

export function parsePolicy(value: string): string {
  if (!(POLICIES as readonly string[]).includes(value)) {
    throw usage(`--policy ${value}: not a maxmemory-policy (one of ${POLICIES.join(', ')})`);
  }
  return value;
}

export function parseExtra(values: unknown): string[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values.map(String) : [String(values)];
  for (const line of list) {
    if (/[\r\n]/.test(line) || line.trim() === '' || line.trim().startsWith('#')) {
      throw usage(`--extra "${line.split(/[\r\n]/)[0]}": one directive per --extra, on one line`);
    }
  }
  return list.map((l) => l.trim());
}

export function parseProvisionArgs(argv: string[], env = provisionEnv()): ProvisionOptions {
  const a = parseStrict(argv, {
    boolean: ['help', 'check', 'yes', 'sudo', 'persistence', 'allow-no-auth'],
    string: [
      'maxmemory',
      'policy',
      'port',
      'bind',
      'password-file',
      'app-user',
      'app-password-file',
      'namespace',
      'extra',
      'host',
      'ssh-config',
      'root',
      'os-release',
    ],
    alias: { h: 'help' },
    default: { persistence: true },
    repeatable: ['extra', 'host'],
  });
  const str = (name: string): string | undefined => (a[name] === undefined ? undefined : String(a[name]));
  if (a.check && a.yes) throw usage('--check and --yes exclude each other: preview first, then apply');
  const appUser = str('app-user');
  if (appUser !== undefined && !ACL_USER_NAME.test(appUser)) {
    throw usage(`--app-user ${appUser}: a user name is a letter then letters, digits, "_" or "-" (at most 64)`);
  }
  if (appUser === 'default') throw usage('--app-user default: that is the requirepass user; pick another name');
  const namespace = str('namespace') ?? DEFAULTS.namespace;
  if (!NAMESPACE_PATTERN.test(namespace)) throw usage(`--namespace ${namespace}: letters, digits, "_" or "-" only`);
  const hosts = a.host === undefined ? [] : (Array.isArray(a.host) ? a.host : [a.host]).map(String);
  for (const h of hosts) if (!isValidDestination(h)) throw usage(`--host ${h}: expected user@server`);
  if (new Set(hosts).size !== hosts.length) throw usage('--host: the same host given twice');
  const host = hosts[0];
  if (a.sudo && host === undefined) throw usage('--sudo only applies with --host user@server');
  const maxmemory = str('maxmemory') ?? DEFAULTS.maxmemory;
  return {
    help: Boolean(a.help),
    check: Boolean(a.check),
    yes: Boolean(a.yes),
    maxmemory,
    policy: parsePolicy(str('policy') ?? DEFAULTS.policy),
    port: str('port') === undefined ? DEFAULTS.port : parsePort(str('port')),
    bind: parseBind(str('bind') ?? DEFAULTS.bind),
    persistence: a.persistence !== false,
    passwordFile: str('password-file'),
    allowNoAuth: Boolean(a['allow-no-auth']),
    appUser,
    appPasswordFile: str('app-password-file'),
    namespace,
    extra: parseExtra(a.extra),
    host,
    hosts,
    sudo: Boolean(a.sudo),
    sshConfig: str('ssh-config') ?? (env.PROVISION_SSH_CONFIG || undefined),
    root: str('root') ?? env.PROVISION_ROOT ?? DEFAULTS.root,
    osRelease: str('os-release') ?? env.PROVISION_OS_RELEASE,
  };
}
