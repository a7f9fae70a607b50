/**
 * The provisioning commands' variables (provision, provision-topology, audit, rollback), declared once. Flags win
 * over them; the passwords are read from a file (`--password-file`) or these variables, never from argv.
 */
import {
  defineRegistry,
  type Env,
  parseEnv,
  readVariable,
  variable,
  warnUnknown,
} from '../../../src/config/registry.ts';

export const PROVISION_VARIABLES = {
  PROVISION_SSH_CONFIG: variable.string('`ssh -F FILE` for `--host` (`--ssh-config`)', { type: 'path' }),
  PROVISION_ROOT: variable.string('Prefix of every host path (the tests; `--root`)', { type: 'path', default: '/' }),
  PROVISION_OS_RELEASE: variable.string('The os-release file to read (`--os-release`)', {
    type: 'path',
    defaultDoc: '<root>/etc/os-release',
  }),
  REDIS_PASSWORD: variable.string('The admin password (`--password-file` wins); 12–512 printable ASCII', {
    secret: true,
  }),
  REDIS_APP_PASSWORD: variable.string("The `app` ACL user's password (`--app-password-file` wins)", { secret: true }),
  REDIS_REPLICATION_PASSWORD: variable.string('provision-topology: the replication password', { secret: true }),
  REDIS_SENTINEL_PASSWORD: variable.string("provision-topology: the Sentinels' password", { secret: true }),
  DEBUG: variable.present('Set: an unexpected failure also prints its stack (secrets masked)'),
  FASTNPC_PROVISION_FLEET_CHILD: variable.onWhen('1', 'Set by a multi-host run for its per-host children (internal)'),
};

export type ProvisionVariable = keyof typeof PROVISION_VARIABLES;

export const provisionRegistry = defineRegistry('provisioning', PROVISION_VARIABLES, { prefixes: ['PROVISION_'] });

/** The provisioning command's environment (this process's). */
export function provisionEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** One provisioning variable, parsed, from `env` (the process's by default). */
export function provisionSetting<K extends ProvisionVariable>(name: K, env: Env = provisionEnv()) {
  return readVariable(provisionRegistry, name, env);
}

/** Checks the variables once at a command's start (unknown PROVISION_* names warned about). */
export function checkProvisionEnv(env: Env = provisionEnv()): void {
  warnUnknown(provisionRegistry, env);
  parseEnv(provisionRegistry, env);
}

/** The environment of a child process: this process's, with `extra` on top. */
export function childEnv(extra: Env = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
