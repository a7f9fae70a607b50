/**
 * The value format v2 as the release before v3 writes and reads it (src/cache/codec.ts at 8e1ef29), frozen here so
 * the rolling-deploy tests can run a worker of that release beside this code: it writes `#2 <length> name=s,e…`
 * with UTF-16 lengths and spans, reads v1 and v2, and counts anything else (v3 included) as corrupt.
 */
export const V2_CORRUPT: unique symbol = Symbol('corrupt (v2 reader)');

const INDEXED_NAME = /^[A-Za-z_$][\w$]{0,63}$/;

/** The v2 stored form of `value` (undefined when it cannot be stored). */
export function encodeV2(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const text = JSON.stringify(value);
    return typeof text === 'string' ? `#2 ${text.length}\n${text}` : undefined;
  }
  let text = '{';
  let header = '';
  for (const name of Object.keys(value)) {
    const part = JSON.stringify((value as Record<string, unknown>)[name]);
    if (part === undefined) continue;
    if (text.length > 1) text += ',';
    text += `${JSON.stringify(name)}:`;
    if (INDEXED_NAME.test(name)) header += ` ${name}=${text.length},${text.length + part.length}`;
    text += part;
  }
  text += '}';
  return `#2 ${text.length}${header}\n${text}`;
}

/** What the v2 reader makes of `raw`: the JSON text it would serve, or V2_CORRUPT. */
export function readV2(raw: string): string | typeof V2_CORRUPT {
  if (raw.charCodeAt(0) !== 35 /* # */) {
    try {
      JSON.parse(raw);
      return raw;
    } catch {
      return V2_CORRUPT;
    }
  }
  if (!raw.startsWith('#2 ')) return V2_CORRUPT;
  const end = raw.indexOf('\n');
  if (end < 0) return V2_CORRUPT;
  const space = raw.indexOf(' ', 3);
  const lengthEnd = space < 0 || space > end ? end : space;
  const length = Number(raw.slice(3, lengthEnd));
  if (lengthEnd === 3 || length !== raw.length - end - 1 || length === 0) return V2_CORRUPT;
  return raw.slice(end + 1);
}
