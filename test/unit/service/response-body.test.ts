import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ResponseBodies } from '../../../src/service/response-body.ts';

describe('ResponseBodies', () => {
  it('sends the bytes and content type Fastify sends for the returned object; text made once per frozen value', async () => {
    let builds = 0;
    const bodies = new ResponseBodies((settings: { profile: string }) => {
      builds += 1;
      return { settings };
    });
    const frozen = Object.freeze({ profile: '诗人 "quoted" \u2028' });
    const fresh = { profile: 'fresh' };
    const app = Fastify();
    app.get('/text/:which', async (request, reply) =>
      bodies.send(reply, (request.params as { which: string }).which === 'frozen' ? frozen : fresh),
    );
    app.get('/object', async () => ({ settings: frozen }));
    const reference = await app.inject({ method: 'GET', url: '/object' });
    for (let i = 0; i < 3; i++) {
      const reply = await app.inject({ method: 'GET', url: '/text/frozen' });
      expect(reply.body).toBe(reference.body);
      expect(reply.headers['content-type']).toBe(reference.headers['content-type']);
    }
    expect(builds).toBe(1);
    // a mutable (just loaded) value is serialised every time: a later change cannot be sent as old text
    await app.inject({ method: 'GET', url: '/text/fresh' });
    fresh.profile = 'changed';
    expect((await app.inject({ method: 'GET', url: '/text/fresh' })).json()).toEqual({
      settings: { profile: 'changed' },
    });
    expect(builds).toBe(3);
  });
});
