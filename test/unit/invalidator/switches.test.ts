import { describe, expect, it } from 'vitest';
import { InvalidatorSwitchError, invalidatorSwitches } from '../../../src/invalidator/switches.ts';

describe('invalidatorSwitches', () => {
  it('is all on by default, and each variable turns its own option off', () => {
    expect(invalidatorSwitches({})).toEqual({ waitForReplicas: true, replay: true });
    expect(invalidatorSwitches({ FASTNPC_INVALIDATOR_REPLAY: 'OFF' })).toEqual({
      waitForReplicas: true,
      replay: false,
    });
    expect(invalidatorSwitches({ FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS: 'off' })).toEqual({
      waitForReplicas: false,
      replay: true,
    });
  });

  it('refuses anything but on/off, naming the variable (a typo is not silently on)', () => {
    expect(() => invalidatorSwitches({ FASTNPC_INVALIDATOR_REPLAY: 'of' })).toThrow(InvalidatorSwitchError);
    expect(() => invalidatorSwitches({ FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS: '0' })).toThrow(
      'FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS must be on or off, got "0"',
    );
  });
});
