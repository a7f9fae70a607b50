import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, maskUrlCredentials, Redactor, secretsFromEnv } from '../../../src/secrets/redact.ts';

describe('maskUrlCredentials', () => {
  it('masks the password of any URL and leaves a URL without one as it is', () => {
    expect(maskUrlCredentials('at redis://app:Url-Secret-4711@10.0.0.2:6379/0 now')).toBe(
      `at redis://app:${MASK}@10.0.0.2:6379/0 now`,
    );
    expect(maskUrlCredentials('postgres://u:p%40ss@db/x')).toBe(`postgres://u:${MASK}@db/x`);
    expect(maskUrlCredentials('redis://app@10.0.0.2:6379')).toBe('redis://app@10.0.0.2:6379');
  });
});

describe('secretsFromEnv', () => {
  it('takes every secret variable — the Sentinels’ password too — and the passwords of URL variables', () => {
    const secrets = secretsFromEnv({
      REDIS_PASSWORD: 'Redis-Secret-0815',
      REDIS_SENTINEL_PASSWORD: 'Sent-secret-456',
      FASTNPC_SECRET: 'routes-test-session-secret',
      DATABASE_URL: 'postgres://fastnpc:S3cret%2Fpassword@127.0.0.1/db',
      REDIS_SENTINEL_NAME: 'fastnpc', // control: not a secret
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        'Redis-Secret-0815',
        'Sent-secret-456',
        'routes-test-session-secret',
        'S3cret%2Fpassword',
        'S3cret/password',
      ]),
    );
    expect(secrets).not.toContain('fastnpc');
  });
});

describe('Redactor', () => {
  it('masks every added value, its URL-encoded form and the longest first; values under 4 characters stay', () => {
    const redactor = new Redactor(['a-long-password-1', 'a-long']);
    redactor.add('x/y z+1', 'abc', undefined);
    const text = 'pw a-long-password-1, prefix a-long, encoded x%2Fy%20z%2B1, raw x/y z+1, short abc';
    expect(redactor.redact(text)).toBe(`pw ${MASK}, prefix ${MASK}, encoded ${MASK}, raw ${MASK}, short abc`);
  });

  describe('redactTree', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('rewrites the text files of a tree and leaves binary files alone', () => {
      dir = mkdtempSync(join(tmpdir(), 'redact-test-'));
      writeFileSync(join(dir, 'gate.log'), 'REDIS_PASSWORD=Ok-password-1234\n');
      writeFileSync(join(dir, 'shot.png'), Buffer.from([0, 1, ...Buffer.from('Ok-password-1234')]));
      new Redactor(['Ok-password-1234']).redactTree(dir);
      expect(readFileSync(join(dir, 'gate.log'), 'utf8')).toBe(`REDIS_PASSWORD=${MASK}\n`);
      expect(readFileSync(join(dir, 'shot.png')).includes('Ok-password-1234')).toBe(true);
    });
  });
});
