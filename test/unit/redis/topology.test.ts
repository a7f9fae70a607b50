import { describe, expect, it } from 'vitest';
import {
  describeTopology,
  parseAddresses,
  RedisTopologyError,
  topologyEnv,
  topologyFromEnv,
} from '../../../src/redis/topology.ts';

function failure(run: () => unknown): RedisTopologyError {
  try {
    run();
  } catch (error) {
    if (error instanceof RedisTopologyError) return error;
    throw error;
  }
  throw new Error('expected a RedisTopologyError');
}

describe('topologyFromEnv', () => {
  it('defaults to one server at REDIS_URL, and to nothing without it', () => {
    expect(topologyFromEnv({ REDIS_URL: 'redis://10.0.0.5:6379/0' })).toEqual({
      kind: 'single',
      url: 'redis://10.0.0.5:6379/0',
    });
    expect(topologyFromEnv({})).toBeUndefined();
  });

  it('reads Sentinels, name, Sentinel password and db', () => {
    expect(
      topologyFromEnv({
        REDIS_TOPOLOGY: 'Sentinel',
        REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2,[::1]:26380',
        REDIS_SENTINEL_NAME: 'cache',
        REDIS_SENTINEL_PASSWORD: 's3cret',
        REDIS_DB: '2',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'cache',
      sentinelPassword: 's3cret',
      db: 2,
    });
    expect(topologyFromEnv({ REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: 'a:1' })).toMatchObject({ name: 'fastnpc' });
  });

  it('reads Cluster nodes', () => {
    expect(topologyFromEnv({ REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'n1:7000,n2' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
      ],
    });
  });

  it('names the variable to fix, with a stable code', () => {
    const cases: [Record<string, string>, string][] = [
      [{ REDIS_TOPOLOGY: 'replica' }, 'REDIS_TOPOLOGY'],
      [{ REDIS_TOPOLOGY: 'sentinel' }, 'REDIS_SENTINELS'],
      [{ REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: 'host:99999' }, 'REDIS_SENTINELS'],
      [{ REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'x y' }, 'REDIS_SENTINEL_NAME'],
      [{ REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_DB: 'one' }, 'REDIS_DB'],
      [{ REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: ' , ' }, 'REDIS_CLUSTER_NODES'],
      [{ REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'redis://n1:7000' }, 'REDIS_CLUSTER_NODES'],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
      [{ REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'a:1', REDIS_USERNAME: 'app user' }, 'REDIS_USERNAME'],
    ];
    for (const [env, variable] of cases) {
      const error = failure(() => topologyFromEnv(env));
      expect(error.code).toBe('E_REDIS_TOPOLOGY');
      expect(error.variable).toBe(variable);
      expect(error.message.startsWith(`${variable}: `)).toBe(true);
    }
  });

  it('never puts a password in the description', () => {
    expect(describeTopology({ kind: 'single', url: 'redis://app:pw123@10.0.0.5:6380/0' })).toBe('single 10.0.0.5:6380');
    const sentinel = topologyFromEnv({
      REDIS_TOPOLOGY: 'sentinel',
      REDIS_SENTINELS: 'a:1',
      REDIS_SENTINEL_PASSWORD: 'pw123',
    });
    expect(sentinel && describeTopology(sentinel)).toBe('sentinel fastnpc via a:1');
  });

  it('round-trips through topologyEnv (what the supervisor hands its invalidator)', () => {
    for (const env of [
      { REDIS_TOPOLOGY: 'single', REDIS_URL: 'redis://h:1/0' },
      { REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: 'a:1,[::1]:2', REDIS_SENTINEL_NAME: 'n', REDIS_DB: '3' },
      { REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'a:1,b:2' },
      { REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'a:1', REDIS_USERNAME: 'app' },
      { REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: 'a:1', REDIS_USERNAME: 'app' },
    ]) {
      const topology = topologyFromEnv(env);
      expect(topology).toBeDefined();
      if (topology) expect(topologyFromEnv(topologyEnv(topology))).toEqual(topology);
    }
  });

  it('parseAddresses refuses an empty list', () => {
    expect(() => parseAddresses('X', '', 1)).toThrow(RedisTopologyError);
  });
});
