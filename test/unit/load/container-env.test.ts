// Every variable the k6 scripts read (env('X'), envInt('X'), envDuration('X'), __ENV.X in load/) reaches the
// container: a new knob in a script that the container path would silently drop fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { containerEnv } from '../../../src/load/k6-runner.ts';

const LOAD = resolve(import.meta.dirname, '../../../load');

function scriptVariables(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\b(?:env|envInt|envDuration)\(['"]([A-Z_0-9]+)['"]/g)) names.add(m[1] as string);
        for (const m of text.matchAll(/__ENV\.([A-Z_0-9]+)/g)) names.add(m[1] as string);
      }
    }
  };
  walk(LOAD);
  return [...names].sort();
}

it('the container gets every variable the scripts read', () => {
  const names = scriptVariables();
  expect(names.length).toBeGreaterThan(10);
  const passed = containerEnv(Object.fromEntries(names.map((n) => [n, 'x'])));
  expect(Object.keys(passed).sort()).toEqual(names);
});
