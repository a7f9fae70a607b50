/**
 * The invalidator's variables (`npm run invalidator`; the service's supervisor hands it its own environment): declared
 * once, parsed at start by the CLI. Flags (`--database-url`, `--redis-url`, `--namespace`) win over them.
 */
import { defineRegistry, type Env, parseEnvAll, variable, warnUnknown } from '../config/registry.ts';
import { redisRegistry } from '../redis/config.ts';
import { SWITCH_VARIABLES } from './switches.ts';

export const INVALIDATOR_VARIABLES = {
  DATABASE_URL: variable.string('PostgreSQL whose commit log is tailed (`postgres://`, wal_level=logical)', {
    secret: true,
    type: 'URL',
  }),
  FASTNPC_INVALIDATOR_WAL_WAIVER: variable.string(
    'Why an unlimited max_slot_wal_keep_size is accepted (logged at start); unset: the invalidator refuses it',
  ),
  ...SWITCH_VARIABLES,
};

export const invalidatorRegistry = defineRegistry('invalidator', INVALIDATOR_VARIABLES, {
  prefixes: ['FASTNPC_INVALIDATOR_'],
  knows: [redisRegistry],
});

export type InvalidatorEnvConfig = ReturnType<typeof loadInvalidatorConfig>;

/** The invalidator's settings from `env` (its process's environment by default); warns once about unknown names. */
export function loadInvalidatorConfig(env: Env = process.env) {
  warnUnknown(invalidatorRegistry, env);
  const { REDIS_URL, REDIS_PASSWORD, CACHE_NAMESPACE, ...own } = parseEnvAll(invalidatorRegistry, redisRegistry, env);
  return {
    ...own,
    redis: { REDIS_URL, REDIS_PASSWORD, CACHE_NAMESPACE },
    /** The environment the Redis topology is read from (topologyFromEnv checks the combinations). */
    env,
  };
}
