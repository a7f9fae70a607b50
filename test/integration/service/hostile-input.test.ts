import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, enc, registerUser } from './http.ts';
import { type ServiceFixture, startFixture } from './setup.ts';

// D5: hostile input gets 400 with a reason, never 500. D6: a name that can be created can be read, renamed,
// copied and deleted — or is refused at creation (or copy) with a reason.
let fx: ServiceFixture;
let client: Client;

beforeAll(async () => {
  fx = await startFixture();
  client = await registerUser(fx.w1, 'hostile');
  expect((await client.post('/api/characters', { role: '孙膑' })).status).toBe(200);
}, 180_000);
afterAll(async () => {
  await fx?.stop();
});

/** `{"s":{"a":{"a":…"x"…}}}` nested `depth` deep, as raw JSON (never built as an object in the test process). */
const NESTED = (depth: number): string => `{"s":${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}}`;

describe('hostile input → 400 with a reason (D5)', () => {
  const cases: [string, string, string, unknown, string?][] = [
    ['NUL in the settings profile', 'PUT', '/api/me/settings', { profile: 'a\u0000b' }],
    ['NUL in memories', 'PUT', `/api/characters/${enc('孙膑')}/memories`, { short_term: ['a\u0000b'] }],
    [
      'NUL in structured data',
      'PUT',
      `/api/characters/${enc('孙膑')}/structured`,
      { 基础身份信息: { 职业: 'a\u0000' } },
    ],
    ['NUL in a source', 'POST', '/api/characters', { role: '庞涓', source: 'x\u0000y' }],
    ['NUL in chat content', 'POST', `/api/chat/${enc('孙膑')}/messages`, { content: 'hi\u0000' }],
    ['structured JSON nested 5 000 deep', 'PUT', `/api/characters/${enc('孙膑')}/structured`, undefined, NESTED(5_000)],
    ['a lone surrogate in a name', 'POST', '/api/characters', { role: 'a\ud800b' }],
  ];
  for (const [what, method, path, body, raw] of cases) {
    it(what, async () => {
      const reply = await client.request(method, path, body, raw);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.body.error).toMatch(/NUL|surrogate|nested/);
    });
  }
});

describe('every name that can be created is reachable (D6)', () => {
  it('a 100-emoji name: created, read, renamed, copied (refused with a reason when too long), deleted', async () => {
    const emoji = '😀'.repeat(100);
    expect((await client.post('/api/characters', { role: emoji })).status).toBe(200);
    const read = await client.get(`/api/characters/${enc(emoji)}/structured`);
    expect(read.status, read.text).toBe(200);
    const copy = await client.post(`/api/characters/${enc(emoji)}/copy`);
    expect(copy.status, copy.text).toBe(400);
    expect(copy.body.error).toMatch(/too long to copy/);
    const renamed = '😀'.repeat(97);
    const rename = await client.put(`/api/characters/${enc(emoji)}/rename`, { new_name: renamed });
    expect(rename.status, rename.text).toBe(200);
    const copy2 = await client.post(`/api/characters/${enc(renamed)}/copy`);
    expect(copy2.status, copy2.text).toBe(200);
    expect([...copy2.body.new_name].length).toBeLessThanOrEqual(100);
    expect((await client.get(`/api/characters/${enc(copy2.body.new_name)}/memories`)).status).toBe(200);
    expect((await client.delete(`/api/characters/${enc(copy2.body.new_name)}`)).status).toBe(200);
    expect((await client.delete(`/api/characters/${enc(renamed)}`)).status).toBe(200);
  });

  it('a 100-character name is never copied into a 103-character one', async () => {
    const name = '长'.repeat(100);
    expect((await client.post('/api/characters', { role: name })).status).toBe(200);
    const copy = await client.post(`/api/characters/${enc(name)}/copy`);
    expect(copy.status, copy.text).toBe(400);
    const list = await client.get('/api/characters');
    for (const item of list.body.items) expect([...item.role].length).toBeLessThanOrEqual(100);
  });

  for (const name of ['.', '..']) {
    it(`"${name}" is refused at creation with a reason`, async () => {
      const reply = await client.post('/api/characters', { role: name });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatch(/not addressable/);
    });
  }
});
