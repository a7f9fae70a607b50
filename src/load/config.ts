/**
 * `npm run load`'s variables, declared once. The runner hands its whole environment to k6 (the scripts read theirs
 * as __ENV: PROFILE, DURATION, USERS, RATES …, documented with the scenarios in docs/load.md); the ones the runner
 * itself reads are here, with the stack's (REDIS_URL, DATABASE_URL, PATH) and the seed password.
 */
import { defineRegistry, type Env, parseEnv, variable, warnUnknown } from '../config/registry.ts';
import { redisRegistry } from '../redis/config.ts';
import { serviceRegistry } from '../service/config.ts';
import { stackRegistry } from '../stack/config.ts';

export const LOAD_VARIABLES = {
  BASE_URL: variable.string('A running app to load (then nothing is started); unset: a local stack and service', {
    type: 'URL',
  }),
  WORKER1_URL: variable.string('Worker 1 alone (two-worker-consistency)', { type: 'URL', defaultDoc: 'BASE_URL' }),
  WORKER2_URL: variable.string('Worker 2 alone (two-worker-consistency)', { type: 'URL', defaultDoc: 'BASE_URL' }),
};

export const loadRegistry = defineRegistry('load', LOAD_VARIABLES, {
  knows: [serviceRegistry, redisRegistry, stackRegistry],
});

/** The runner's environment: this process's (k6 inherits it, with the target and the report paths). */
export function loadEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** Checks the runner's variables at its start (a ConfigError naming each one at fault). */
export function checkLoadEnv(env: Env): void {
  warnUnknown(loadRegistry, env);
  parseEnv(loadRegistry, env);
}
