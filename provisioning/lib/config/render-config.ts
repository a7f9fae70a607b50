import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appAclRule, supportsChannels } from './acl.ts';

/** The repository's redis.conf: the single source the live file is rendered from. */
export const TEMPLATE_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../redis.conf');

export function readTemplate(): string {
  return readFileSync(TEMPLATE_PATH, 'utf8');
}

export const HEADER =
  "# Installed by `npm run provision` from the repository's redis.conf plus options. Change the repository file or the\n" +
  '# options and provision again: `provision --check` and `audit` report hand edits as drift.\n';

export const PROVISIONING_MARKER = '############################## PROVISIONING ##################################';

export interface RenderOptions {
  /** @default '200mb' */
  maxmemory: string;
  /** @default 'allkeys-lru' */
  policy: string;
  /** @default 6379 */
  port: number;
  /** @default ['127.0.0.1', '-::1'] */
  bind: string[];
  /** RDB snapshots with the plan's save rules (false: `save ""`). @default true */
  persistence: boolean;
  /** requirepass (the default user's password). */
  password?: string;
  /** An ACL user limited to the app's namespace. */
  appUser?: { name: string; password: string };
  /** Key namespace of the app user. @default 'fastnpc' */
  namespace: string;
  /** Extra directives, one line each, appended verbatim (validated by the throwaway server). @default [] */
  extra: string[];
  /**
   * Replication and Sentinel directives of a topology node (provision-topology: ACL users for replication and Sentinel,
   * masteruser/masterauth, replicaof, min-replicas-*), one line each; they may hold secrets. @default []
   */
  replication?: string[];
  /** Major.minor of the target's redis-server ('7.0', '6.0'). */
  redisVersion: string;
  /** Host paths (under --root). */
  paths: { dataDir: string; pidFile: string; logFile: string };
}

export interface RenderedConfig {
  text: string;
  /** What was adapted for this Redis version (said out loud by the CLI). */
  notes: string[];
}

const directive = (name: string) => new RegExp(`^\\s*${name.replace(/[-]/g, '\\-')}(\\s|$)`, 'i');

function setDirective(lines: string[], name: string, value: string): void {
  const re = directive(name);
  const index = lines.findIndex((l) => re.test(l));
  const line = `${name} ${value}`;
  if (index >= 0) lines[index] = line;
  else lines.push(line);
}

function setSaveRules(lines: string[], rules: string[]): void {
  const re = directive('save');
  const first = lines.findIndex((l) => re.test(l));
  const kept = lines.filter((l) => !re.test(l));
  const at = first >= 0 ? first : kept.length;
  kept.splice(at, 0, ...rules.map((r) => `save ${r}`));
  lines.splice(0, lines.length, ...kept);
}

/** Active directives of a redis.conf: name (lower case) → the rest of each line, in order. */
export function parseConfig(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const space = line.search(/\s/);
    const name = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : line.slice(space + 1).trim();
    out.set(name, [...(out.get(name) ?? []), rest]);
  }
  return out;
}

/**
 * What Redis uses when a config has no `save` line at all (server.c, 6.0 and 7.0: one hour/1 change, 5 min/100,
 * 1 min/10000). Debian's packaged redis.conf has none, so this is what the package's own file runs with.
 */
export const BUILT_IN_SAVE_RULES = '3600 1 300 100 60 10000';

/**
 * The save rules of a config as CONFIG GET reports them ("900 1 300 10 60 10000", "" for `save ""`); a file without
 * any `save` line runs on Redis's built-in rules.
 */
export function saveRulesOf(config: Map<string, string[]>): string {
  const rules = config.get('save');
  if (rules === undefined) return BUILT_IN_SAVE_RULES;
  return rules
    .filter((r) => r !== '""' && r !== "''")
    .join(' ')
    .trim();
}

/**
 * Renders the live redis.conf: the repository's file with the options applied in place (comments kept), then a
 * PROVISIONING block with this host's pidfile, logfile, the app's ACL user and extra directives. Deterministic:
 * the same inputs give the same bytes, which is what makes a second run report "no changes".
 */
export function renderConfig(template: string, options: RenderOptions): RenderedConfig {
  const notes: string[] = [];
  const lines = template.replace(/\n+$/, '').split('\n');
  const legacy = !supportsChannels(options.redisVersion); // 6.0: no optional "-addr" bind, no channel ACLs

  let bind = options.bind;
  if (legacy && bind.some((a) => a.startsWith('-'))) {
    bind = bind.map((a) => a.replace(/^-/, ''));
    notes.push(
      `Redis ${options.redisVersion} has no optional bind addresses ("-::1", 6.2+): binding ${bind.join(' ')} (IPv6 loopback must exist)`,
    );
  }
  setDirective(lines, 'bind', bind.join(' '));
  setDirective(lines, 'port', String(options.port));
  setDirective(lines, 'maxmemory', options.maxmemory);
  setDirective(lines, 'maxmemory-policy', options.policy);
  setDirective(lines, 'dir', options.paths.dataDir);

  if (!options.persistence) setSaveRules(lines, ['""']);

  if (options.password) {
    const placeholder = lines.findIndex((l) => /^#\s*requirepass\b/.test(l));
    const active = lines.findIndex((l) => directive('requirepass').test(l));
    if (active >= 0) lines[active] = `requirepass ${options.password}`;
    else if (placeholder >= 0) lines.splice(placeholder + 1, 0, `requirepass ${options.password}`);
    else lines.push(`requirepass ${options.password}`);
  }

  const block = [
    '',
    PROVISIONING_MARKER,
    '',
    "# This host's paths (the package's layout; systemd's ProtectSystem=strict allows writes only there).",
    `pidfile ${options.paths.pidFile}`,
    `logfile ${options.paths.logFile}`,
  ];
  if (options.appUser) {
    block.push(
      '',
      `# The app's user: keys under "${options.namespace}:" only, no dangerous commands (docs/CONTRACTS.md).`,
      `user ${options.appUser.name} ${appAclRule(options.appUser.password, options.namespace, options.redisVersion)}`,
    );
    if (legacy) {
      notes.push(
        `Redis ${options.redisVersion} has no channel permissions (6.2+): the app user's rule omits "resetchannels"`,
      );
    }
  }
  if (options.replication && options.replication.length > 0) {
    block.push(
      '',
      '# Replication and Sentinel (npm run provision-topology; docs/operations.md "Provisioning Sentinel").',
      ...options.replication,
    );
  }
  if (options.extra.length > 0) block.push('', '# Extra directives (--extra).', ...options.extra);

  return { text: `${HEADER}${[...lines, ...block].join('\n')}\n`, notes };
}
