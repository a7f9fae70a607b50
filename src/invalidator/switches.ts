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

/** The switches `env` sets (true = on); throws InvalidatorSwitchError for a value other than on/off. */
export function invalidatorSwitches(env: NodeJS.ProcessEnv): InvalidatorSwitches {
  const out = { waitForReplicas: true, replay: true };
  for (const [name, option] of Object.entries(INVALIDATOR_SWITCHES)) {
    const raw = (env[name] ?? 'on').toLowerCase();
    if (raw !== 'on' && raw !== 'off') {
      throw new InvalidatorSwitchError(`${name} must be on or off, got ${JSON.stringify(raw)}`);
    }
    out[option] = raw === 'on';
  }
  return out;
}
