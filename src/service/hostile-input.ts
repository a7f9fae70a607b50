import { ValidationError } from './validation.ts';

/** Deepest nesting of a JSON body the service accepts (FastNPC's structured data is 3 levels deep). */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored (PostgreSQL text refuses NUL; a lone surrogate is not UTF-8), or undefined. */
export function hostileString(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/**
 * Checks a parsed JSON body before any route sees it: no string (key or value) PostgreSQL or UTF-8 cannot hold,
 * no nesting deeper than MAX_JSON_DEPTH. Iterative, so a body nested 5 000 deep costs no stack. Throws
 * ValidationError (HTTP 400) naming the field.
 */
export function checkJsonBody(body: unknown): void {
  const stack: [unknown, string, number][] = [[body, 'body', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const reason = hostileString(value);
      if (reason) throw new ValidationError(path, reason);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) throw new ValidationError(path, `is nested deeper than ${MAX_JSON_DEPTH} levels`);
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      const reason = hostileString(key);
      if (reason) throw new ValidationError(path, `has a key that ${reason.replace(/^must/, 'must')}`);
      stack.push([child, path === 'body' ? key : `${path}.${key}`, depth + 1]);
    }
  }
}
