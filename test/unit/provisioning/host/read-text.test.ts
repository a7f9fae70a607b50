import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localTarget, readText, type Target } from '../../../../provisioning/lib/host/target.ts';

const dir = mkdtempSync(join(tmpdir(), 'fastnpc-read-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The local target with a `cat` that removes the file before reading it: Redis removing its pidfile meanwhile. */
function racingTarget(): Target {
  const bin = join(dir, 'bin');
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin);
  writeFileSync(join(bin, 'cat'), '#!/bin/sh\nfor f; do [ "$f" = -- ] || rm -f "$f"; done\nexec /bin/cat "$@"\n');
  chmodSync(join(bin, 'cat'), 0o755);
  const local = localTarget();
  return {
    ...local,
    exec: (argv, options) =>
      local.exec(['env', `PATH=${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, ...argv], options),
  };
}

describe('readText', () => {
  it('reads a file, and says absent for a missing one', async () => {
    const file = join(dir, 'present');
    writeFileSync(file, 'hello\n');
    expect(await readText(localTarget(), file)).toBe('hello\n');
    expect(await readText(localTarget(), join(dir, 'missing'))).toBeUndefined();
  });

  it('a file removed between the existence test and the read is absent, not a failed step', async () => {
    const file = join(dir, 'pidfile');
    writeFileSync(file, '123\n');
    expect(await readText(racingTarget(), file)).toBeUndefined();
  });
});
