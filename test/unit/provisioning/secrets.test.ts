import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkPassword, mask, readSecret } from '../../../provisioning/lib/command/secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// a declared variable of provisioning (provisioning/lib/command/variables.ts), restored after each test
const given = process.env.REDIS_APP_PASSWORD;
afterEach(() => {
  if (given === undefined) delete process.env.REDIS_APP_PASSWORD;
  else process.env.REDIS_APP_PASSWORD = given;
});

describe('secrets', () => {
  it('reads the first line of a file, without its newline', () => {
    writeFileSync(join(dir, 'pw'), 'Correct-horse-battery\n');
    expect(readSecret('the password', join(dir, 'pw'), 'REDIS_APP_PASSWORD')).toBe('Correct-horse-battery');
  });

  it('falls back to the environment variable, and to nothing', () => {
    process.env.REDIS_APP_PASSWORD = 'From-the-environment-1';
    expect(readSecret('the password', undefined, 'REDIS_APP_PASSWORD')).toBe('From-the-environment-1');
    delete process.env.REDIS_APP_PASSWORD;
    expect(readSecret('the password', undefined, 'REDIS_APP_PASSWORD')).toBeUndefined();
  });

  it('names the file it cannot read, never a value', () => {
    expect(() => readSecret('the password', join(dir, 'missing'), 'REDIS_PASSWORD')).toThrow(
      /cannot read the password file .*ENOENT/,
    );
  });

  it('refuses passwords that do not fit one redis.conf word', () => {
    expect(() => checkPassword('p', 'short')).toThrow(/shorter than 12/);
    expect(() => checkPassword('p', 'has a space in it')).toThrow(/without spaces/);
    expect(() => checkPassword('p', 'quote"inside-1234')).toThrow(/quotes/);
    expect(checkPassword('p', 'Ok-password-1234')).toBe('Ok-password-1234');
  });

  it('masks every occurrence', () => {
    expect(mask('a SECRET b SECRET', ['SECRET', undefined])).toBe('a ******** b ********');
  });
});
