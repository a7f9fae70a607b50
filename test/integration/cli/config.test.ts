// A malformed setting stops each command before it starts anything: one line naming the variable, exit 2
// (docs/exit-codes.md), no stack trace, never a secret's value; an unknown name with the program's prefix is warned
// about with the closest known one (issue 24, docs/configuration.md).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CapturedRun, runCaptured } from '../../support/run-captured.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SECRET = 'Sekrit-value-that-must-not-leak-42';

function run(file: string, args: string[], env: Record<string, string>): Promise<CapturedRun> {
  return runCaptured(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    // a clean environment: no REDIS_URL / DATABASE_URL of the machine, nothing started by accident
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FORCE_COLOR: '0', ...env },
  });
}

function expectUsageLine(r: CapturedRun, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(
    lines.some((l) => message.test(l)),
    r.stderr,
  ).toBe(true);
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.stdout + r.stderr).not.toContain(SECRET);
}

describe('a bad setting at start', { concurrent: true }, () => {
  it('serve: names the variable, exit 2, the session secret never shown; a typo is warned about', async () => {
    const r = await run('src/service/cli.ts', [], {
      FASTNPC_SECRET: SECRET,
      PORT: 'eighty',
      CACHE_TTL_LIST_SECONDS: '0',
      FASTNPC_SECRT: SECRET,
    });
    expectUsageLine(r, /^fastnpc serve: PORT must be an integer >= 0, got "eighty"; CACHE_TTL_LIST_SECONDS must be/);
    expect(r.stderr).toContain('unknown variable FASTNPC_SECRT (did you mean FASTNPC_SECRET?)');
    expect(r.stdout).not.toMatch(/starting the local stack/);
  }, 60_000);

  it('serve: the error names the bad variable only, never the password in REDIS_URL', async () => {
    const r = await run('src/service/cli.ts', [], { REDIS_URL: `http://user:${SECRET}@h`, CACHE_MODE: 'maybe' });
    expectUsageLine(r, /^fastnpc serve: CACHE_MODE must be on or off, got "maybe"/);
  }, 60_000);

  it('seed and warm: exit 2', async () => {
    const seed = await run('src/service/seed-cli.ts', [], {
      DATABASE_URL: 'postgres://x@127.0.0.1:1/db',
      PG_POOL_MAX: 'x',
    });
    expectUsageLine(seed, /^fastnpc seed: PG_POOL_MAX must be an integer >= 1, got "x"/);
    const warm = await run('src/service/warm-cli.ts', [], {
      DATABASE_URL: 'postgres://x@127.0.0.1:1/db',
      LOG_LEVEL: 'loud',
    });
    expectUsageLine(
      warm,
      /^fastnpc warm: LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent, got "loud"/,
    );
  }, 60_000);

  it('invalidator: a bad switch, exit 2', async () => {
    const r = await run('src/invalidator/cli.ts', [], {
      DATABASE_URL: 'postgres://x@127.0.0.1:1/db',
      REDIS_URL: 'redis://127.0.0.1:1',
      FASTNPC_INVALIDATOR_REPLAY: 'of',
    });
    expectUsageLine(r, /^fastnpc invalidator: FASTNPC_INVALIDATOR_REPLAY must be on or off, got "of"/);
  }, 60_000);

  it('gate: a suite variable that is not a number, exit 2 before anything runs; a typo warned about', async () => {
    const r = await run('src/gate/cli.ts', ['--only', '01'], {
      ACCEPTANCE_R13_RUNS: 'three',
      ACCEPTANCE_SCOPEE: 'deploy',
      FASTNPC_SECRET: SECRET,
    });
    expectUsageLine(r, /^gate: ACCEPTANCE_R13_RUNS must be an integer >= 1, got "three"/);
    expect(r.stderr).toContain('unknown variable ACCEPTANCE_SCOPEE (did you mean ACCEPTANCE_SCOPE?)');
  }, 60_000);

  it('provisioning: an unknown PROVISION_ name is warned about (the command still answers)', async () => {
    const r = await run('provisioning/cli/audit.ts', ['--help'], { PROVISION_ROOTT: '/x' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('unknown variable PROVISION_ROOTT (did you mean PROVISION_ROOT?)');
  }, 60_000);
});
