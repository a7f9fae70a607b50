// An interrupted gate run (Ctrl-C) exits 130, removes its unfinished run directory (only
// runs/<time>-interrupted/gate.json, saying so, is left), stops what it started and leaves the previous reports as
// they were — whether the signal lands while the local target starts or once it runs, with
// a worker that holds the target's stop for its 12 s grace (CI saw the discarded .partial directory come back, and
// a stuck worker outlived the gate). The control is the .partial directory, and the target's processes, seen while
// the run was going.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { alive, commandsOf, descendants, postgresOf } from '../../support/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startGate(reports: string): { gate: ChildProcess; output: () => string; exited: Promise<number | null> } {
  mkdirSync(join(reports, 'runs'));
  writeFileSync(join(reports, 'junit.xml'), '<previous/>');
  const gate = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/gate/cli.ts'), '--reports-dir', reports], {
    cwd: ROOT,
    // vitest sets BASE_URL=/ (Vite's base path) in its workers: the gate must not see it
    env: { ...process.env, CI: '1', ACCEPTANCE_TARGET: 'local', BASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  gate.stdout?.on('data', (c) => (output += c));
  gate.stderr?.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((r) => gate.on('exit', (code) => r(code)));
  return { gate, output: () => output, exited };
}

async function until(what: string, condition: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !condition()) await sleep(200);
  expect(condition(), `${what}\n${output()}`).toBe(true);
}

/** The gate's processes now, PostgreSQL's detached postmaster included. */
function processesOf(run: ReturnType<typeof startGate>): number[] {
  const tree = descendants(run.gate.pid as number);
  return [...tree, ...postgresOf(tree)];
}

async function interruptAndCheck(
  reports: string,
  run: ReturnType<typeof startGate>,
  started = processesOf(run),
): Promise<void> {
  const { gate, output, exited } = run;
  // the gate's own process (no tsx CLI in between: its relay SIGKILLs a child that does not confirm within 30 ms)
  gate.kill('SIGINT');
  expect(await exited, output()).toBe(130);
  expect(output()).toContain('interrupted by SIGINT');
  // nothing of the run's half-done work is left, only the note that it was interrupted
  const runs = readdirSync(join(reports, 'runs'));
  expect(runs, output()).toHaveLength(1);
  expect(runs[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-interrupted$/);
  expect(readdirSync(join(reports, 'runs', runs[0] as string))).toEqual(['gate.json']);
  expect(JSON.parse(readFileSync(join(reports, 'runs', runs[0] as string, 'gate.json'), 'utf8'))).toMatchObject({
    complete: false,
    interrupted: 'SIGINT',
  });
  expect(existsSync(join(reports, 'latest'))).toBe(false);
  expect(readFileSync(join(reports, 'junit.xml'), 'utf8')).toBe('<previous/>');
  const gone = Date.now() + 30_000;
  while (Date.now() < gone && started.some(alive)) await sleep(250);
  const left = started.filter(alive);
  const leftCommands = commandsOf(left);
  for (const pid of left) process.kill(pid, 'SIGKILL'); // nothing this test started outlives it
  expect(left, `processes the gate started outlived it:\n${leftCommands}`).toEqual([]);
}

test('SIGINT while the local target starts: exit 130, the .partial directory is gone, the previous reports are untouched', async () => {
  const reports = mkdtempSync(join(tmpdir(), 'gate-interrupted-'));
  made.push(reports);
  const run = startGate(reports);
  const partial = (): string[] => readdirSync(join(reports, 'runs')).filter((n) => n.endsWith('.partial'));
  // control: the run had started writing
  await until('the run directory appears', () => partial().length === 1, run.output);
  await sleep(3000);
  await interruptAndCheck(reports, run);
}, 200_000);

test('SIGINT while a worker is slow to stop: exit 130, the target stopped, nothing of the run left but its note', async () => {
  const reports = mkdtempSync(join(tmpdir(), 'gate-interrupted-'));
  made.push(reports);
  const run = startGate(reports);
  await until('the target started (the config audit began)', () => run.output().includes('config audit'), run.output);
  const started = processesOf(run);
  const commands = commandsOf(started);
  // control: the target's redis-server and PostgreSQL run
  expect(commands).toContain('redis-server');
  expect(commands).toContain('postgres');
  // a worker that does not answer SIGTERM (stopped) holds the target's stop for the service's 12 s grace; the
  // gate's steps go on meanwhile, and the acceptance suites starting up used to bring the discarded run back
  const worker = started.find((pid) => commandsOf([pid]).includes('src/service/worker-main.ts'));
  expect(worker, commands).toBeDefined();
  process.kill(worker as number, 'SIGSTOP');
  await interruptAndCheck(reports, run, started);
}, 200_000);
