/**
 * Where Redis is: one server (a URL), a primary watched by Sentinels, or a Redis Cluster. The cache, the service
 * and the invalidator read it from the same environment variables (`topologyFromEnv`) and connect the same way.
 */

/** A `host:port` address (Sentinel or Cluster node). */
export interface RedisAddress {
  host: string;
  port: number;
}

/** One Redis server at a `redis://` or `rediss://` URL (the plan's one 200 MB instance). */
export interface SingleTopology {
  kind: 'single';
  url: string;
}

/** A primary and its replicas, found through Sentinel: the client asks the Sentinels who the primary is. */
export interface SentinelTopology {
  kind: 'sentinel';
  /** The Sentinels to ask (any one that answers is enough). */
  sentinels: RedisAddress[];
  /** The name the Sentinels monitor the primary under (`sentinel monitor <name> …`). */
  name: string;
  /** Password of the Sentinels themselves (`requirepass` in sentinel.conf); never logged. */
  sentinelPassword?: string;
  /** Database number on the data nodes. @default 0 */
  db?: number;
  /** ACL user on the data nodes (REDIS_USERNAME; the password is REDIS_PASSWORD). @default the `default` user */
  username?: string;
}

/** A Redis Cluster: the client learns the slot map from any of the startup nodes. */
export interface ClusterTopology {
  kind: 'cluster';
  nodes: RedisAddress[];
  /** ACL user on the nodes (REDIS_USERNAME; the password is REDIS_PASSWORD). @default the `default` user */
  username?: string;
}

export type RedisTopology = SingleTopology | SentinelTopology | ClusterTopology;
export type TopologyKind = RedisTopology['kind'];
export const TOPOLOGY_KINDS: readonly TopologyKind[] = ['single', 'sentinel', 'cluster'];

/** The single place the defaults of the topology variables live. */
export const DEFAULT_TOPOLOGY = {
  kind: 'single' as TopologyKind,
  /** REDIS_SENTINEL_NAME when unset (the name `src/stack/redis-sentinel.ts` and provisioning monitor). */
  sentinelName: 'fastnpc',
  /** Port of a Sentinel / Cluster address given without one. */
  sentinelPort: 26379,
  clusterPort: 6379,
} as const;

/** Thrown when the topology variables are missing or malformed; the message names the variable to fix. */
export class RedisTopologyError extends Error {
  readonly code = 'E_REDIS_TOPOLOGY';
  /** The environment variable (or option) that is wrong, e.g. 'REDIS_SENTINELS'. */
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'RedisTopologyError';
    this.variable = variable;
  }
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:26379`); a missing port takes `defaultPort`. */
export function parseAddresses(variable: string, raw: string | undefined, defaultPort: number): RedisAddress[] {
  const items = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new RedisTopologyError(variable, 'required: a comma list of host:port');
  return items.map((item) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+))(?::(\d{1,5}))?$/.exec(item);
    const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
    if (!match || port < 1 || port > 65_535) {
      throw new RedisTopologyError(
        variable,
        `expected host:port (e.g. 10.0.0.5:${defaultPort}), got ${JSON.stringify(item)}`,
      );
    }
    return { host: (match[1] ?? match[2]) as string, port };
  });
}

/** REDIS_TOPOLOGY, checked. */
export function topologyKind(raw: string | undefined): TopologyKind {
  const kind = (raw ?? '').trim().toLowerCase() || DEFAULT_TOPOLOGY.kind;
  if (!(TOPOLOGY_KINDS as readonly string[]).includes(kind)) {
    throw new RedisTopologyError(
      'REDIS_TOPOLOGY',
      `must be one of ${TOPOLOGY_KINDS.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return kind as TopologyKind;
}

/**
 * The topology from the environment:
 * - `REDIS_TOPOLOGY=single` (default): `REDIS_URL` (`redis://` or `rediss://`);
 * - `sentinel`: `REDIS_SENTINELS=host:port,…`, `REDIS_SENTINEL_NAME` (default `fastnpc`), `REDIS_SENTINEL_PASSWORD`
 *   when the Sentinels require one, `REDIS_DB` (default 0);
 * - `cluster`: `REDIS_CLUSTER_NODES=host:port,…` (any subset of the nodes).
 * Sentinel and cluster take the data nodes' ACL user from REDIS_USERNAME (single: the URL's user).
 * The data nodes' password is REDIS_PASSWORD in every case (read by the caller, never put in a URL here).
 * Returns undefined for `single` without REDIS_URL (the caller decides whether that is an error).
 */
export function topologyFromEnv(env: Record<string, string | undefined>): RedisTopology | undefined {
  const kind = topologyKind(env.REDIS_TOPOLOGY);
  if (kind === 'single') {
    const url = env.REDIS_URL;
    if (!url) return undefined;
    if (!/^rediss?:\/\//i.test(url)) throw new RedisTopologyError('REDIS_URL', 'must start with redis:// or rediss://');
    return { kind, url };
  }
  const user = env.REDIS_USERNAME?.trim();
  if (user !== undefined && user !== '' && !/^[A-Za-z0-9_.-]{1,64}$/.test(user)) {
    throw new RedisTopologyError('REDIS_USERNAME', `letters, digits, '_', '.', '-' only, got ${JSON.stringify(user)}`);
  }
  const username = user ? { username: user } : {};
  if (kind === 'sentinel') {
    const name = env.REDIS_SENTINEL_NAME || DEFAULT_TOPOLOGY.sentinelName;
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      throw new RedisTopologyError(
        'REDIS_SENTINEL_NAME',
        `letters, digits, '_', '.', '-' only, got ${JSON.stringify(name)}`,
      );
    }
    const db = env.REDIS_DB ?? '0';
    if (!/^\d+$/.test(db)) throw new RedisTopologyError('REDIS_DB', `must be a number, got ${JSON.stringify(db)}`);
    return {
      kind,
      sentinels: parseAddresses('REDIS_SENTINELS', env.REDIS_SENTINELS, DEFAULT_TOPOLOGY.sentinelPort),
      name,
      ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
      ...(db === '0' ? {} : { db: Number(db) }),
      ...username,
    };
  }
  return {
    kind,
    nodes: parseAddresses('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES, DEFAULT_TOPOLOGY.clusterPort),
    ...username,
  };
}

/** The environment variables that describe `topology` (for a child process: the supervisor's invalidator). */
export function topologyEnv(topology: RedisTopology): Record<string, string> {
  const list = (addresses: RedisAddress[]) =>
    addresses.map((a) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`).join(',');
  if (topology.kind === 'single') return { REDIS_TOPOLOGY: 'single', REDIS_URL: topology.url };
  const user: Record<string, string> = topology.username ? { REDIS_USERNAME: topology.username } : {};
  if (topology.kind === 'cluster') {
    return { REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: list(topology.nodes), ...user };
  }
  return {
    REDIS_TOPOLOGY: 'sentinel',
    REDIS_SENTINELS: list(topology.sentinels),
    REDIS_SENTINEL_NAME: topology.name,
    ...(topology.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: topology.sentinelPassword } : {}),
    ...(topology.db ? { REDIS_DB: String(topology.db) } : {}),
    ...user,
  };
}

/** A line for logs and reports: addresses and names only, never a password or a URL's credentials. */
export function describeTopology(topology: RedisTopology): string {
  if (topology.kind === 'single') {
    try {
      const u = new URL(topology.url);
      return `single ${u.hostname}:${u.port || 6379}`;
    } catch {
      return 'single (unparsable URL)';
    }
  }
  if (topology.kind === 'sentinel') {
    return `sentinel ${topology.name} via ${topology.sentinels.map((a) => `${a.host}:${a.port}`).join(',')}`;
  }
  return `cluster via ${topology.nodes.map((a) => `${a.host}:${a.port}`).join(',')}`;
}
