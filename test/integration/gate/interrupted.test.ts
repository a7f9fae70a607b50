// An interrupted gate run (Ctrl-C while the local target starts) exits 130, removes its unfinished run directory and
// leaves the previous reports as they were. The control is the .partial directory seen while the run was going.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const reports = mkdtempSync(join(tmpdir(), 'gate-interrupted-'));
afterAll(() => rmSync(reports, { recursive: true, force: true }));

test('SIGINT during the run: exit 130, the .partial directory is gone, the previous reports are untouched', async () => {
  mkdirSync(join(reports, 'runs'));
  writeFileSync(join(reports, 'junit.xml'), '<previous/>');
  const gate = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/gate/cli.ts'), '--reports-dir', reports], {
    cwd: ROOT,
    // vitest sets BASE_URL=/ (Vite's base path) in its workers: the gate must not see it
    env: { ...process.env, CI: '1', ACCEPTANCE_TARGET: 'local', BASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  gate.stdout.on('data', (c) => (output += c));
  gate.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((r) => gate.on('exit', (code) => r(code)));
  const partial = (): string[] => readdirSync(join(reports, 'runs')).filter((n) => n.endsWith('.partial'));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && partial().length === 0) await new Promise((r) => setTimeout(r, 200));
  expect(partial(), output).toHaveLength(1); // control: the run had started writing
  await new Promise((r) => setTimeout(r, 3000));
  // tsx relays the signal to the gate's process, as a terminal's Ctrl-C would reach it
  gate.kill('SIGINT');
  expect(await exited, output).toBe(130);
  expect(output).toContain('interrupted by SIGINT');
  expect(readdirSync(join(reports, 'runs'))).toEqual([]);
  expect(existsSync(join(reports, 'latest'))).toBe(false);
  expect(readFileSync(join(reports, 'junit.xml'), 'utf8')).toBe('<previous/>');
}, 150_000);
