import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/service/password.ts';
import { decodeSession, encodeSession } from '../../../src/service/session.ts';

describe('session payload', () => {
  it('round-trips uid, username (any script), admin flag and issued-at', () => {
    const session = { uid: 42, username: '李白:*', isAdmin: true, iat: 1_700_000_000 };
    expect(decodeSession(encodeSession(session))).toEqual(session);
  });

  it('rejects malformed payloads', () => {
    expect(decodeSession('not base64 json')).toBeUndefined();
    expect(decodeSession(Buffer.from('{"uid":"1"}').toString('base64url'))).toBeUndefined();
  });
});

describe('scrypt passwords', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('wrong horse', a)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});
