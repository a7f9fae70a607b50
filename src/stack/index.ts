export { findBinary, findPostgresBinary } from './binaries.ts';
export { StackError, type StackErrorCode } from './errors.ts';
export { freePort, freePortBlock, freePortWith, portFree, waitForPort } from './free-port.ts';
export { type LocalStackOptions, type StartedLocalStack, startLocalStack } from './local-stack.ts';
export { type PostgresServerOptions, type StartedPostgres, startPostgres } from './postgres-server.ts';
export { applyNodeAuth, type NodeAuth, type NodeUser } from './redis-auth.ts';
export { type RedisClusterOptions, type StartedRedisCluster, startRedisCluster } from './redis-cluster.ts';
export {
  type SentinelTopologyOptions,
  type StartedSentinelTopology,
  startSentinelTopology,
} from './redis-sentinel.ts';
export {
  privateRedisPassword,
  REPOSITORY_REDIS_CONF,
  type RedisServerOptions,
  type StartedRedisServer,
  startRedisServer,
} from './redis-server.ts';
