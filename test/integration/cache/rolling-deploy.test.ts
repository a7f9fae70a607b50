/**
 * A rolling deploy of the value format (docs/cache.md, "Value format"): workers of an earlier release — v1 (plain
 * JSON, before issue 20) or v2 (UTF-16 header), each emulated by loading the cache with that codec in its own module
 * graph — and of this code (v3: UTF-8 byte header, entries read as bytes) on one Redis. Whatever order they read,
 * fill and invalidate in, no read answers a body other than PostgreSQL's (here: a map) — control: a new format an
 * old worker CAN parse (a JSON envelope) is misread by it.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCache } from '../../../src/cache/cache.ts';
import type { CachedEntry } from '../../../src/cache/codec.ts';
import { keys } from '../../../src/cache/keys.ts';
import type { CacheOptions } from '../../../src/cache/options.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { encodeV2, readV2, V2_CORRUPT } from '../../support/value-format-v2.ts';
import { rawClient, recordingLogger } from './helpers.ts';

type Codec = typeof import('../../../src/cache/codec.ts');
type CreateCache = (options: CacheOptions) => Cache;

const CODEC = '../../../src/cache/codec.ts';

/** createCache of a fresh module graph whose codec is `actual` with `replace`'s functions. */
async function cacheWithCodec(replace: (actual: Codec) => Partial<Codec>): Promise<CreateCache> {
  vi.resetModules();
  vi.doMock(CODEC, async (importOriginal) => {
    const actual = await importOriginal<Codec>();
    return { ...actual, ...replace(actual) };
  });
  const module = await import('../../../src/cache/cache.ts');
  vi.doUnmock(CODEC);
  vi.resetModules();
  return module.createCache;
}

const parseV1 = (actual: Codec, raw: string | Buffer): unknown => {
  try {
    return JSON.parse(raw.toString());
  } catch {
    return actual.CORRUPT;
  }
};

/** The codec before issue 20: writes plain JSON, reads plain JSON, anything else is corrupt. */
const v1Codec = (actual: Codec): Partial<Codec> => ({
  encodeEntry: ((value: unknown) => {
    const made = actual.encodeEntry(value);
    return made && { raw: made.entry.text, entry: made.entry };
  }) as Codec['encodeEntry'],
  encode: (value: unknown) => actual.encodeEntry(value)?.entry.text,
  decode: ((raw: string | Buffer) => parseV1(actual, raw)) as Codec['decode'],
  decodeEntry: ((raw: string | Buffer) =>
    parseV1(actual, raw) === actual.CORRUPT ? actual.CORRUPT : actual.decodeEntry(raw)) as Codec['decodeEntry'],
});

/** The codec of the release before v3 (test/support/value-format-v2.ts): writes v2, reads v1 and v2 only. */
const v2Codec = (actual: Codec): Partial<Codec> => {
  const readable = (raw: string | Buffer): string | undefined => {
    const text = raw.toString();
    return readV2(text) === V2_CORRUPT ? undefined : text;
  };
  return {
    encodeEntry: ((value: unknown) => {
      const made = actual.encodeEntry(value);
      return made && { raw: encodeV2(value) as string, entry: made.entry };
    }) as Codec['encodeEntry'],
    encode: encodeV2,
    decode: ((raw: string | Buffer) => {
      const text = readable(raw);
      return text === undefined ? actual.CORRUPT : actual.decode(text);
    }) as Codec['decode'],
    decodeEntry: ((raw: string | Buffer) => {
      const text = readable(raw);
      return text === undefined ? actual.CORRUPT : actual.decodeEntry(text);
    }) as Codec['decodeEntry'],
  };
};

/** Control: a "v2" an old reader can parse — a JSON envelope {format, text} — read right by its own version only. */
const envelopeCodec = (actual: Codec): Partial<Codec> => {
  const open = (raw: string): string => {
    const parsed = parseV1(actual, raw) as { format?: number; text?: string };
    return parsed !== null && typeof parsed === 'object' && parsed.format === 2 ? (parsed.text as string) : raw;
  };
  return {
    encodeEntry: ((value: unknown) => {
      const made = actual.encodeEntry(value);
      return made && { raw: JSON.stringify({ format: 2, text: made.entry.text }), entry: made.entry };
    }) as Codec['encodeEntry'],
    decode: ((raw: string | Buffer) => actual.decode(open(raw.toString()))) as Codec['decode'],
    decodeEntry: ((raw: string | Buffer) => actual.decodeEntry(open(raw.toString()))) as Codec['decodeEntry'],
  };
};

let server: StartedRedisServer;
let runs = 0;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

function open(create: CreateCache, namespace: string): Cache {
  return create({
    redis: server.url,
    namespace,
    registry: new Registry(),
    logger: recordingLogger(),
    decodedValues: 100,
  });
}

/** Old and new worker take turns reading (the new one also as an entry, as the settings route does), with writes. */
async function mixedPair(createNew: CreateCache, createOld: CreateCache) {
  const namespace = `rolling${++runs}`;
  const fresh = open(createNew, namespace);
  const old = open(createOld, namespace);
  const db = new Map<string, unknown>();
  const ids = [1, 2, 3].map((uid) => keys.userSettings(uid));
  for (const key of ids) db.set(key, { profile: `${key} v0`, ctx_max_chat: 100, updated_at: 0 });
  const wrong: string[] = [];
  try {
    for (let round = 0; round < 240; round++) {
      const key = ids[round % ids.length] as string;
      const loader = async () => structuredClone(db.get(key));
      if (round % 11 === 5) {
        db.set(key, { profile: `${key} v${round}`, ctx_max_chat: round, updated_at: round });
        await (round % 2 === 0 ? fresh : old).invalidate(key);
      }
      const want = JSON.stringify({ settings: db.get(key) });
      let body: string;
      if (round % 4 === 0) {
        // as the settings route sends it: the entry's bytes; every 8th round from its text
        const entry = (await fresh.getOrLoad(key, loader, { entry: true })) as unknown as CachedEntry;
        body =
          round % 8 === 0
            ? `{"settings":${entry.text}}`
            : Buffer.concat([Buffer.from('{"settings":'), entry.bytes, Buffer.from('}')]).toString();
      } else {
        const worker = round % 4 === 1 ? fresh : old;
        body = JSON.stringify({ settings: await worker.getOrLoad(key, loader) });
      }
      if (body !== want && wrong.length < 3) wrong.push(`round ${round}: ${body} instead of ${want}`);
      else if (body !== want) wrong.push('…');
    }
    return { wrong, old: (await old.stats()).process, fresh: (await fresh.stats()).process };
  } finally {
    await fresh.close();
    await old.close();
  }
}

describe('value format across a rolling deploy', () => {
  it.each([
    { version: 'v1', release: 'before issue 20', store: (value: unknown) => JSON.stringify(value) },
    { version: 'v2', release: 'the release before v3', store: (value: unknown) => encodeV2(value) as string },
  ])(
    'an entry written in $version ($release) is a hit for the new code: same value, same body, same parts',
    async ({ version, store }) => {
      const raw = rawClient(server.url);
      const namespace = `${version}entry`;
      const cache = open(createCache, namespace);
      try {
        const settings = { default_model: null, profile: '李白 "x"', max_group_reply_rounds: 3, updated_at: 0 };
        const key = keys.userSettings(9);
        await raw.set(`${namespace}:${key}`, store(settings));
        const loader = vi.fn(async () => ({ wrong: true }));
        expect(await cache.getOrLoad(key, loader)).toEqual(settings);
        const entry = (await cache.getOrLoad(key, loader, { entry: true })) as unknown as CachedEntry;
        expect(`{"settings":${entry.text}}`).toBe(JSON.stringify({ settings }));
        expect(entry.bytes.toString()).toBe(JSON.stringify(settings));
        expect(entry.part('profile')).toBe(JSON.stringify(settings.profile));
        expect(entry.partBytes('profile')?.toString()).toBe(JSON.stringify(settings.profile));
        expect(loader).not.toHaveBeenCalled();
        expect(await raw.get(`${namespace}:${key}`)).toBe(store(settings)); // left as it was, not rewritten
      } finally {
        await cache.close();
        raw.disconnect();
      }
    },
  );

  it('an old (v1) and a new worker on one Redis never serve a wrong body (the old one drops v3 entries and refills)', async () => {
    const result = await mixedPair(createCache, await cacheWithCodec(v1Codec));
    expect(result.wrong).toEqual([]);
    expect(result.old.errors).toBeGreaterThan(0); // it met v3 entries: counted corrupt, deleted, loaded afresh
    expect(result.fresh.hits).toBeGreaterThan(0);
  });

  it('a worker of the release before (v2) and a new one never serve a wrong body (the v2 one drops v3 entries)', async () => {
    const result = await mixedPair(createCache, await cacheWithCodec(v2Codec));
    expect(result.wrong).toEqual([]);
    expect(result.old.errors).toBeGreaterThan(0);
    expect(result.old.hits).toBeGreaterThan(0); // and reads v1/v2 entries (its own) as hits
    expect(result.fresh.hits).toBeGreaterThan(0);
  });

  it('control: a new format an old worker can parse (a JSON envelope) makes it serve wrong bodies', async () => {
    const result = await mixedPair(await cacheWithCodec(envelopeCodec), await cacheWithCodec(v1Codec));
    expect(result.wrong.length).toBeGreaterThan(0);
  });
});
