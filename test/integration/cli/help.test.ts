// Every npm script that runs a command answers `--help` (issue 24): exit 0, its usage on stdout, nothing started.
// `gate:matrix -- --help` exited 2 and `bench:cache -- --help` ran the whole benchmark before.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CapturedRun, runCaptured } from '../../support/run-captured.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PREFIX = 'exec node --import tsx ';
const scripts = Object.entries(
  JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>,
);
const commands = scripts.filter(([, line]) => line.startsWith(PREFIX));

function help(file: string): Promise<CapturedRun> {
  return runCaptured(process.execPath, ['--import', 'tsx', file, '--help'], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

describe('npm run <script> -- --help', { concurrent: true }, () => {
  it('every script but the checks runs a command the same way (control: this test sees them all)', () => {
    const others = scripts.filter(([, line]) => !line.startsWith(PREFIX)).map(([name]) => name);
    expect(others.sort()).toEqual(['check', 'check:load', 'format', 'lint', 'test', 'test:integration', 'test:unit']);
    expect(commands.length).toBeGreaterThanOrEqual(15);
  });

  it.each(commands.map(([name, line]) => [name, line.slice(PREFIX.length).split(' ')[0] as string]))(
    '%s: exit 0 with its usage',
    async (_name, file) => {
      const r = await help(file);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/usage|Usage|npm run|npm start/);
      expect(r.stdout.length).toBeLessThan(6_000); // the usage, not a run's output
    },
    60_000,
  );
});
