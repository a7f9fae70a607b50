import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The invalidator shares the cache's key layout and Lua through the cache's public shared-layout.ts (and index.ts),
// never through its internals (issue 24): a change of the layout is then a change of one published module.
const DIR = join(import.meta.dirname, '../../../src/invalidator');
const ALLOWED = new Set(['../cache/shared-layout.ts', '../cache/index.ts']);

describe('src/invalidator imports of the cache', () => {
  it('only its public modules (shared-layout.ts, index.ts)', () => {
    const imports: string[] = [];
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(DIR, file), 'utf8');
      for (const m of source.matchAll(/from '(\.\.\/cache\/[^']+)'/g)) imports.push(`${file}: ${m[1]}`);
    }
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => !ALLOWED.has(i.split(': ')[1] as string))).toEqual([]);
  });
});
