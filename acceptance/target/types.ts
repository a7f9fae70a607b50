/**
 * What the acceptance suites prove and how they reach it: the target kinds, the request (from flags/environment)
 * and the serialisable description every suite receives through vitest's provide/inject.
 */
import type { RedisTopology, TopologyKind } from '../../src/redis/topology.ts';
import type { ProfileName } from './profile.ts';

export type TargetKind = 'local' | 'containers' | 'external' | 'auto';
export const TARGET_KINDS: readonly TargetKind[] = ['local', 'containers', 'external', 'auto'];

/** List TTL the local target runs with, so criterion 5 can watch an entry expire (the plan's 60 s is kept for external). */
export const SHORT_LIST_TTL_SECONDS = 2;

/** Seed size of the local target: the plan's 100 users online. */
export const SEED = { users: 100, characters: 3, memories: 10 } as const;

export interface TargetRequest {
  kind: TargetKind;
  /** true when the kind came from a flag or ACCEPTANCE_TARGET rather than the default. */
  explicit: boolean;
  baseUrl?: string;
  workerUrls?: string[];
  redisUrl?: string;
  databaseUrl?: string;
  /** Key scheme of the target; undefined = the kind's default (external: plan, local/containers: reference). */
  profile?: ProfileName;
  /** Local/containers only: FastNPC defects the reference service emulates (FASTNPC_EMULATE_DEFECTS). */
  defects: string[];
  /**
   * Local only: the Redis topology the target runs on (`--topology`, ACCEPTANCE_TOPOLOGY): one server, a primary
   * + replica behind three Sentinels, or a 3 × 2 Cluster. @default 'single'
   */
  topology?: TopologyKind;
}

export interface TargetUser {
  username: string;
  password: string;
  characters: string[];
}

/** What the suites receive (serialisable: it crosses into the test workers through vitest's provide/inject). */
export interface TargetInfo {
  kind: 'local' | 'containers' | 'external';
  /** The key scheme the suites observe in Redis (see profile.ts). */
  profile: ProfileName;
  baseUrl: string;
  /** Per-worker URLs ([] when the deployment exposes none). */
  workerUrls: string[];
  /**
   * Admin connection to Redis (no password inside; see redisPassword). On a topology: one data node (Sentinel: the
   * primary at start; Cluster: a node) — suites reach the topology through `redisTopology` (support/redis.ts).
   */
  redisUrl: string;
  /** The Redis topology for the admin (`default` user + redisPassword) when it is not one server (local only). */
  redisTopology?: RedisTopology;
  redisPassword?: string;
  /** The app's own Redis user when the target runs with an ACL user (local: `app`). */
  appRedisUser?: string;
  databaseUrl?: string;
  /** Whether PostgreSQL counts statements itself (pg_stat_statements present in the app database). */
  statStatements: boolean;
  /** Users with characters (external: ACCEPTANCE_USERS_FILE). */
  users: TargetUser[];
  admin?: { username: string; password: string };
  listTtlSeconds: number;
  profileTtlSeconds: number;
  /**
   * Expectations of the config audit that differ from the repository's redis.conf on this target (containers: the
   * server must listen on the container network, so bind and protected mode are opened there on purpose).
   */
  auditExpected?: { bind?: string; protectedMode?: 'yes' | 'no'; loopbackOnly?: boolean };
  /** Stack control (local only): POST /redis/kill, /redis/restart. */
  controlUrl?: string;
  /** Environment the service of this target was started with (so a twin can be started alike). */
  serviceEnv?: Record<string, string>;
  /** Defects the local reference service emulates ([] = none). */
  defects: string[];
  notes: string[];
}

export interface StartedTarget {
  info: TargetInfo;
  stop(): Promise<void>;
}

export class TargetError extends Error {
  readonly code: 'E_TARGET_CONFIG' | 'E_NO_CONTAINER_RUNTIME';
  constructor(code: TargetError['code'], message: string) {
    super(message);
    this.name = 'TargetError';
    this.code = code;
  }
}

export function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
