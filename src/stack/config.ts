/**
 * The local stack's variables (src/stack/: private redis-server and PostgreSQL for the tests, `npm run serve`,
 * `npm run load` and the gate), declared once and read when a server starts, never at import.
 */
import { defineRegistry, type Env, parseEnv, variable } from '../config/registry.ts';

export const STACK_VARIABLES = {
  PG_BIN_DIR: variable.string(
    'Folder of initdb / pg_ctl / postgres, searched before /usr/lib/postgresql/<major>/bin (newest first)',
    { type: 'path' },
  ),
  PATH: variable.string(
    'Where redis-server, redis-sentinel and k6 are found (then /usr/sbin, /usr/bin, /usr/local/bin)',
    {
      type: 'path list',
    },
  ),
  REDIS_URL: variable.string('A Redis to take instead of starting a private redis-server', {
    secret: true,
    type: 'URL',
  }),
  DATABASE_URL: variable.string('A PostgreSQL to take instead of starting a private one', {
    secret: true,
    type: 'URL',
  }),
};

export const stackRegistry = defineRegistry('stack', STACK_VARIABLES);

/** The stack's settings from `env` (this process's environment by default). */
export function stackEnv(env: Env = process.env) {
  return parseEnv(stackRegistry, env);
}

/** The environment of a child process: this process's, with `extra` on top (a child inherits it as it would). */
export function inheritedEnv(extra: Env = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
