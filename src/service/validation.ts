import { ALLOWED_MODELS } from './config.ts';
import type { SettingsUpdate } from './store/settings.ts';

/** A request value that fails validation; `field` and `reason` end up in the 400 body. */
export class ValidationError extends Error {
  readonly code = 'E_VALIDATION';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalInt(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | null | undefined {
  if (!(field in body)) return undefined;
  const raw = body[field];
  if (raw === null || raw === '') return null;
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ValidationError(field, 'must be an integer');
  if (value < min || value > max) throw new ValidationError(field, `must be between ${min} and ${max}`);
  return value;
}

/** FastNPC's settings rules: ctx values 50–5000, profile ≤ 200 characters, reply rounds 3–10, model from the list. */
export function parseSettingsUpdate(body: unknown): SettingsUpdate {
  if (!isObject(body)) throw new ValidationError('body', 'must be a JSON object');
  const update: SettingsUpdate = {};
  if ('default_model' in body) {
    const raw = body.default_model;
    const model = raw === null || raw === undefined ? '' : String(raw).trim();
    if (model && !ALLOWED_MODELS.includes(model)) {
      throw new ValidationError('default_model', `is not in the allowed list (${ALLOWED_MODELS.join(', ')})`);
    }
    update.default_model = model || null;
  }
  for (const field of ['ctx_max_chat', 'ctx_max_stm', 'ctx_max_ltm'] as const) {
    const value = optionalInt(body, field, 50, 5000);
    if (value !== undefined) update[field] = value;
  }
  if ('profile' in body) {
    const raw = body.profile;
    if (raw !== null && typeof raw !== 'string') throw new ValidationError('profile', 'must be a string');
    const profile = raw === null ? '' : raw.trim();
    if ([...profile].length > 200) throw new ValidationError('profile', 'must be at most 200 characters');
    update.profile = profile || null;
  }
  const rounds = optionalInt(body, 'max_group_reply_rounds', 3, 10);
  if (rounds !== undefined) update.max_group_reply_rounds = rounds ?? 3;
  return update;
}

/** A character name as it travels in a path or body: trimmed, 1–100 characters, no control characters. */
export function parseRoleName(raw: unknown, field = 'role'): string {
  if (typeof raw !== 'string') throw new ValidationError(field, 'must be a string');
  const name = raw.trim();
  if (!name) throw new ValidationError(field, 'must not be empty');
  if ([...name].length > 100) throw new ValidationError(field, 'must be at most 100 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ValidationError(field, 'must not contain control characters');
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) {
    throw new ValidationError(field, 'must not contain a lone UTF-16 surrogate (not valid Unicode)');
  }
  // `/api/characters/./…` and `/api/characters/../…` are normalised away by clients and proxies: never reachable
  if (name === '.' || name === '..')
    throw new ValidationError(field, 'must not be "." or ".." (not addressable in a URL)');
  return name;
}

export function parseUsername(raw: unknown): string {
  if (typeof raw !== 'string') throw new ValidationError('username', 'must be a string');
  const name = raw.trim();
  if (name.length < 1 || name.length > 64) throw new ValidationError('username', 'must be 1–64 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ValidationError('username', 'must not contain control characters');
  return name;
}

export function parsePassword(raw: unknown): string {
  if (typeof raw !== 'string') throw new ValidationError('password', 'must be a string');
  if (raw.length < 6 || raw.length > 200) throw new ValidationError('password', 'must be 6–200 characters');
  return raw;
}

/** `{"short_term":[…],"long_term":[…]}`, either list optional, each entry a string of at most 2000 characters. */
export function parseMemories(body: unknown): { short_term?: string[]; long_term?: string[] } {
  if (!isObject(body)) throw new ValidationError('body', 'must be a JSON object');
  const out: { short_term?: string[]; long_term?: string[] } = {};
  for (const field of ['short_term', 'long_term'] as const) {
    if (!(field in body)) continue;
    const list = body[field];
    if (!Array.isArray(list)) throw new ValidationError(field, 'must be a list of strings');
    if (list.length > 1000) throw new ValidationError(field, 'must have at most 1000 entries');
    for (const entry of list) {
      if (typeof entry !== 'string') throw new ValidationError(field, 'must be a list of strings');
      if (entry.length > 2000) throw new ValidationError(field, 'entries must be at most 2000 characters');
    }
    out[field] = list as string[];
  }
  if (!out.short_term && !out.long_term) throw new ValidationError('body', 'needs short_term or long_term');
  return out;
}

/** The structured body: an object of sections, each an object. */
export function parseStructured(body: unknown): Record<string, Record<string, unknown>> {
  if (!isObject(body)) throw new ValidationError('body', 'must be a JSON object of sections');
  for (const [title, section] of Object.entries(body)) {
    if (!isObject(section)) throw new ValidationError(title, 'must be an object');
  }
  return body as Record<string, Record<string, unknown>>;
}

/**
 * A pattern for POST /admin/cache/clear: glob characters allowed, 1–200 characters, no control characters,
 * and it must not try to leave the namespace (the cache module prefixes it anyway).
 */
export function parseClearPattern(raw: unknown): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw new ValidationError('pattern', 'must be a string');
  if (raw.length > 200) throw new ValidationError('pattern', 'must be at most 200 characters');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw new ValidationError('pattern', 'must not contain control characters');
  return raw;
}
