import { describe, expect, test } from 'vitest';
import { targetFromEnv } from '../../../acceptance/target/index.ts';
import { applyToEnv, parseArgs, requiredRows, UsageError } from '../../../src/gate/args.ts';
import { main } from '../../../src/gate/cli.ts';

describe('parseArgs', () => {
  test('defaults', () => {
    expect(parseArgs([])).toEqual({
      help: false,
      reportsDir: 'reports',
      skipLoad: false,
      filters: [],
      scope: 'deploy',
      required: [],
    });
  });
  test('--scope deploy|full; anything else is a usage error; the suites read it from ACCEPTANCE_SCOPE', () => {
    expect(parseArgs(['--scope', 'full']).scope).toBe('full');
    expect(parseArgs(['--scope=deploy']).scope).toBe('deploy');
    expect(() => parseArgs(['--scope', 'nightly'])).toThrow(/--scope must be one of deploy, full/);
    const env: NodeJS.ProcessEnv = {};
    applyToEnv(parseArgs(['--scope', 'full']), env);
    expect(env.ACCEPTANCE_SCOPE).toBe('full');
  });
  test('GATE_REQUIRE takes every optional row of the registry (R9, R10, F1, load) and the groups', () => {
    expect(requiredRows(parseArgs([]), { GATE_REQUIRE: 'r9,R10,F1,load,faults,regressions' })).toEqual([
      'R9',
      'R10',
      'F1',
      'load',
      'faults',
      'regressions',
    ]);
    expect(() => requiredRows(parseArgs([]), { GATE_REQUIRE: 'R99' })).toThrow(/unknown row "R99"/);
    // a row that is always required (a criterion) cannot be named: there is nothing to require
    expect(() => requiredRows(parseArgs([]), { GATE_REQUIRE: '03' })).toThrow(UsageError);
  });
  test('external target flags, both spellings', () => {
    const args = parseArgs([
      '--target',
      'external',
      '--base-url=https://npc.example.com',
      '--redis-url',
      'redis://10.0.0.5:6379',
      '--worker1-url',
      'http://10.0.0.4:8001',
      '--database-url',
      'postgres://ro@10.0.0.6/fastnpc',
      '--only',
      '03',
      '--skip-load',
    ]);
    expect(args).toMatchObject({
      target: 'external',
      baseUrl: 'https://npc.example.com',
      redisUrl: 'redis://10.0.0.5:6379',
      worker1Url: 'http://10.0.0.4:8001',
      databaseUrl: 'postgres://ro@10.0.0.6/fastnpc',
      filters: ['03'],
      skipLoad: true,
    });
  });
  test('URL flags imply --target external', () => {
    expect(parseArgs(['--base-url', 'http://a:1']).target).toBe('external');
  });
  test.each([
    [['--bogus'], /unknown option: --bogus/],
    [['--target'], /--target needs a value/],
    [['--target', 'docker'], /--target must be one of/],
    [['--base-url', 'not a url'], /not a URL/],
    [['--redis-url', 'http://x'], /expected redis: or rediss:/],
    [['--redis-url', 'redis://:secret@h:6379'], /must not carry a password/],
    [['--redis-password', 'x'], /secrets never go on the command line/],
    [['--target', 'local', '--base-url', 'http://a'], /belong to --target external/],
    [['--topology', 'replica'], /--topology must be one of single, sentinel, cluster, got "replica"/],
    [['--topology', 'sentinel', '--target', 'external'], /not applicable to --target external/],
    [['--topology', 'cluster', '--base-url', 'http://a'], /not applicable to --target external/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
  test('applyToEnv writes the variables the suites read', () => {
    const env: NodeJS.ProcessEnv = {};
    applyToEnv(parseArgs(['--base-url', 'http://a:1', '--redis-url', 'redis://b:2']), env);
    expect(env).toEqual({
      ACCEPTANCE_SCOPE: 'deploy',
      ACCEPTANCE_TARGET: 'external',
      BASE_URL: 'http://a:1',
      REDIS_URL: 'redis://b:2',
    });
    expect(targetFromEnv(env)).toMatchObject({ kind: 'external', explicit: true, baseUrl: 'http://a:1' });
  });
});

describe('targetFromEnv', () => {
  test('local by default, not explicit', () => {
    expect(targetFromEnv({})).toMatchObject({ kind: 'local', explicit: false, topology: 'single' });
  });
  test('--topology reaches the target request; the environment alone is checked the same way', () => {
    const env: NodeJS.ProcessEnv = {};
    applyToEnv(parseArgs(['--topology', 'cluster']), env);
    expect(env).toEqual({ ACCEPTANCE_SCOPE: 'deploy', ACCEPTANCE_TOPOLOGY: 'cluster' });
    expect(targetFromEnv(env)).toMatchObject({ kind: 'local', topology: 'cluster' });
    expect(() => targetFromEnv({ ACCEPTANCE_TOPOLOGY: 'ring' })).toThrow(/ACCEPTANCE_TOPOLOGY \(--topology\) must be/);
    expect(() => targetFromEnv({ ACCEPTANCE_TOPOLOGY: 'sentinel', ACCEPTANCE_TARGET: 'external' })).toThrow(
      /applies to the embedded local target only, not external/,
    );
  });
  test('an unknown target is refused', () => {
    expect(() => targetFromEnv({ ACCEPTANCE_TARGET: 'k8s' })).toThrow(/ACCEPTANCE_TARGET must be one of/);
  });
});

describe('cli main', () => {
  test('--help prints the usage and exits 0; a bad flag exits 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const so = process.stdout.write.bind(process.stdout);
    const se = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((c: string) => out.push(c) > 0) as typeof process.stdout.write;
    process.stderr.write = ((c: string) => err.push(c) > 0) as typeof process.stderr.write;
    try {
      expect(await main(['--help'])).toBe(0);
      expect(await main(['--nope'])).toBe(2);
      expect(await main(['--topology', 'ring'])).toBe(2);
      expect(await main([], { ACCEPTANCE_TOPOLOGY: 'sentinel', ACCEPTANCE_TARGET: 'external' })).toBe(2);
    } finally {
      process.stdout.write = so;
      process.stderr.write = se;
    }
    expect(out.join('')).toContain('Usage: npm start');
    expect(err.join('')).toContain('gate: unknown option: --nope');
    expect(err.join('')).toContain('gate: --topology must be one of single, sentinel, cluster, got "ring"');
    expect(err.join('')).toContain('applies to the embedded local target only, not external');
  });
});
