import type { FastifyReply } from 'fastify';

/** What Fastify sends for an object returned by a handler: the same header for a body sent as text. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The JSON text `null` as bytes. */
export const NULL_BYTES: Buffer = Buffer.from('null');

const OPENING_BRACE = Buffer.from('{');
const CLOSING_BRACE = Buffer.from('}');
const COMMA = Buffer.from(',');
/** `"name":` of the few names the routes use, made once. */
const labels = new Map<string, Buffer>();

/**
 * The bytes of a JSON object whose properties' values are given as JSON text in UTF-8 (parts of cached entries,
 * `CachedEntry.partBytes`): `{"name":value,…}`, in one allocation. `name` is one of the routes' own property names.
 */
export function jsonObjectBytes(...properties: [name: string, value: Buffer][]): Buffer {
  const pieces: Buffer[] = [OPENING_BRACE];
  for (const [name, value] of properties) {
    let label = labels.get(name);
    if (label === undefined) {
      label = Buffer.from(`${JSON.stringify(name)}:`);
      labels.set(name, label);
    }
    if (pieces.length > 1) pieces.push(COMMA);
    pieces.push(label, value);
  }
  pieces.push(CLOSING_BRACE);
  return Buffer.concat(pieces);
}

/**
 * The JSON text of a cached read's response, made once per value: the cache hands every reader of the same entry
 * bytes the same deep-frozen value (`CacheOptions.decodedValues`), so the text made for the first reader is sent
 * to the next ones without `JSON.stringify` — the same bytes Fastify's serializer would send. Only frozen values are
 * remembered (a value just loaded from PostgreSQL is a fresh object: its text is made each time); the memo holds
 * them weakly, so it empties with the cache's decoded values.
 */
export class ResponseBodies<V extends object> {
  readonly #bodies = new WeakMap<V, string>();
  readonly #build: (value: V) => unknown;

  constructor(build: (value: V) => unknown) {
    this.#build = build;
  }

  /** Sends the response for `value` as JSON text. */
  send(reply: FastifyReply, value: V): FastifyReply {
    let text = this.#bodies.get(value);
    if (text === undefined) {
      text = JSON.stringify(this.#build(value));
      if (Object.isFrozen(value)) this.#bodies.set(value, text);
    }
    return reply.type(JSON_CONTENT_TYPE).send(text);
  }
}
