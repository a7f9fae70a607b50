import { ConfigError, defineRegistry, parseEnv, variable } from '../config/registry.ts';
import { InvalidatorError } from './errors.ts';

/**
 * The invalidator's control switches, read from the environment by its CLI and checked by the service at start (so
 * a typo stops the service instead of the supervised invalidator exiting again and again). `on` (the default) or
 * `off`; `off` emulates the design without the replica wait or without the replay — the controls of the failover
 * tests and rows H1/H2 (docs/topology.md).
 */
export const INVALIDATOR_SWITCHES = {
  FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS: 'waitForReplicas',
  FASTNPC_INVALIDATOR_REPLAY: 'replay',
} as const;

export type InvalidatorSwitches = Record<(typeof INVALIDATOR_SWITCHES)[keyof typeof INVALIDATOR_SWITCHES], boolean>;

/** A switch set to something other than on/off; the message names the variable. */
export class InvalidatorSwitchError extends InvalidatorError {
  constructor(message: string) {
    super('INVALIDATOR_BAD_SWITCH', message);
  }
}

/** The switches as declared variables (the invalidator's registry and the service's check read these). */
export const SWITCH_VARIABLES = {
  FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS: variable.oneOf(
    ['on', 'off'],
    'Test control: `off` acknowledges without waiting for the replicas (control of H1/H2); refused in production',
    { default: 'on' },
  ),
  FASTNPC_INVALIDATOR_REPLAY: variable.oneOf(
    ['on', 'off'],
    'Test control: `off` skips the replay after a failover (control of H1/H2); refused in production',
    { default: 'on' },
  ),
};

const switchRegistry = defineRegistry('invalidator switches', SWITCH_VARIABLES);

/** The switches `env` sets (true = on); throws InvalidatorSwitchError for a value other than on/off. */
export function invalidatorSwitches(env: Readonly<Record<string, string | undefined>>): InvalidatorSwitches {
  try {
    const parsed = parseEnv(switchRegistry, env);
    return {
      waitForReplicas: parsed.FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS === 'on',
      replay: parsed.FASTNPC_INVALIDATOR_REPLAY === 'on',
    };
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidatorSwitchError(error.message);
    throw error;
  }
}
