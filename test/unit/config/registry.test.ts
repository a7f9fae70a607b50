import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  closestName,
  defineRegistry,
  parseEnv,
  readVariable,
  unknownNames,
  variable,
  warnUnknown,
} from '../../../src/config/registry.ts';
import { loadInvalidatorConfig } from '../../../src/invalidator/config.ts';
import { loadConfig, serviceRegistry } from '../../../src/service/config.ts';

const registry = defineRegistry(
  'demo',
  {
    DEMO_PORT: variable.int('a port', { default: 8000, max: 65_535 }),
    DEMO_TTL: variable.int('a TTL', { min: 1 }),
    DEMO_MODE: variable.oneOf(['on', 'external', 'off'], 'a mode', { default: 'on' }),
    DEMO_NAME: variable.string('a name', { default: 'fastnpc' }),
    DEMO_KEY: variable.int('a secret number', { secret: true }),
    DEMO_TIMING: variable.onWhen('on', 'a switch'),
  },
  { prefixes: ['DEMO_'] },
);

const failure = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
};

describe('parseEnv', () => {
  it('applies the defaults; unset and empty are the same', () => {
    const blank = { DEMO_PORT: '', DEMO_TTL: '', DEMO_MODE: '', DEMO_NAME: '' };
    for (const env of [{}, blank]) {
      expect(parseEnv(registry, env)).toEqual({
        DEMO_PORT: 8000,
        DEMO_TTL: undefined,
        DEMO_MODE: 'on',
        DEMO_NAME: 'fastnpc',
        DEMO_KEY: undefined,
        DEMO_TIMING: false,
      });
    }
  });

  it('parses given values (numbers, a case-insensitive choice, a switch)', () => {
    const env = { DEMO_PORT: '9000', DEMO_TTL: '5', DEMO_MODE: 'EXTERNAL', DEMO_NAME: 'n', DEMO_TIMING: 'On' };
    expect(parseEnv(registry, env)).toMatchObject({
      DEMO_PORT: 9000,
      DEMO_TTL: 5,
      DEMO_MODE: 'external',
      DEMO_NAME: 'n',
      DEMO_TIMING: true,
    });
  });

  it('a bad value names the variable, what it must be and the value; every problem at once', () => {
    const error = failure(() => parseEnv(registry, { DEMO_PORT: 'eighty', DEMO_TTL: '0', DEMO_MODE: 'maybe' }));
    expect(error.code).toBe('E_CONFIG');
    expect(error.problems).toEqual([
      'DEMO_PORT must be an integer 0..65535, got "eighty"',
      'DEMO_TTL must be an integer >= 1, got "0"',
      'DEMO_MODE must be on, external or off, got "maybe"',
    ]);
    expect(error.message).not.toContain('\n');
    expect(() => parseEnv(registry, { DEMO_PORT: '1.5' })).toThrow(/DEMO_PORT/);
  });

  it('never shows a secret value, even a malformed one', () => {
    const error = failure(() => parseEnv(registry, { DEMO_KEY: 'hunter2-is-my-password' }));
    expect(error.message).toBe('DEMO_KEY must be an integer >= 0, (value not shown: a secret)');
    expect(error.message).not.toContain('hunter2');
    // control: the same value in a variable that is not secret is shown
    expect(failure(() => parseEnv(registry, { DEMO_TTL: 'hunter2' })).message).toContain('hunter2');
  });

  it('readVariable parses one variable alone', () => {
    expect(readVariable(registry, 'DEMO_PORT', { DEMO_PORT: '1' })).toBe(1);
    expect(() => readVariable(registry, 'DEMO_PORT', { DEMO_PORT: 'x', DEMO_TTL: '0' })).toThrow(/^DEMO_PORT must be/);
  });
});

describe('unknown names', () => {
  it('names the unknown ones with the program prefix and suggests the closest known name', () => {
    expect(unknownNames(registry, { DEMO_PROT: '1', DEMO_ZZZZZZZZZZZ: '1', OTHER_X: '1', DEMO_PORT: '1' })).toEqual([
      { name: 'DEMO_PROT', suggestion: 'DEMO_PORT' },
      { name: 'DEMO_ZZZZZZZZZZZ' },
    ]);
    expect(closestName('FASTNPC_SECRT', ['FASTNPC_SECRET', 'CACHE_MODE'])).toBe('FASTNPC_SECRET');
    expect(closestName('SOMETHING_ELSE', ['FASTNPC_SECRET'])).toBeUndefined();
  });

  it('the service warns once, on one line, about a mistyped FASTNPC_ name; known ones of its children are fine', () => {
    const lines: string[] = [];
    const env = {
      FASTNPC_SECRT: 'x',
      FASTNPC_INVALIDATOR_REPLAY: 'on', // the invalidator's, which the service supervises
      PG_BIN_DIR: '/x', // the stack's
    };
    const line = warnUnknown(serviceRegistry, env, (l) => lines.push(l));
    expect(line).toBe(
      'service: warning: unknown variable FASTNPC_SECRT (did you mean FASTNPC_SECRET?) — ignored (docs/configuration.md)\n',
    );
    warnUnknown(serviceRegistry, env, (l) => lines.push(l));
    expect(lines).toHaveLength(1);
  });
});

describe('the service registry', () => {
  it('loadConfig collects the problems of several variables into one error', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379' };
    const error = failure(() => loadConfig({ ...base, PORT: 'eighty', PG_POOL_MAX: '0', REDIS_PORT: 'x' }));
    expect(error.problems).toEqual([
      'PORT must be an integer >= 0, got "eighty"',
      'PG_POOL_MAX must be an integer >= 1, got "0"',
      'REDIS_PORT must be an integer 0..65535, got "x"',
    ]);
  });
});

describe('the invalidator registry', () => {
  it('reads its own and the Redis connection, every problem of both at once', () => {
    const config = loadInvalidatorConfig({ DATABASE_URL: 'postgres://x', REDIS_URL: 'redis://h:1' });
    expect(config).toMatchObject({
      DATABASE_URL: 'postgres://x',
      FASTNPC_INVALIDATOR_REPLAY: 'on',
      redis: { REDIS_URL: 'redis://h:1', CACHE_NAMESPACE: 'fastnpc' },
    });
    const error = failure(() => loadInvalidatorConfig({ FASTNPC_INVALIDATOR_REPLAY: 'of', REDIS_DB: 'x' }));
    expect(error.problems).toEqual([
      'FASTNPC_INVALIDATOR_REPLAY must be on or off, got "of"',
      'REDIS_DB must be an integer >= 0, got "x"',
    ]);
  });
});
