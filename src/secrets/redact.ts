/**
 * Secrets never reach stdout, stderr, logs or reports: passwords inside any URL are masked ("http://user:***@host"),
 * and every known secret value (REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, the admin and seed passwords, passwords of
 * the target's URLs, the embedded target's generated passwords) is replaced by "***" wherever it appears.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MASK = '***';

/** scheme://user:password@ → scheme://user:***@ (a URL with a user and no password is left as it is). */
export function maskUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:'"<>]*):([^\s/@'"<>]*)@/gi, (_all, scheme, user) => {
    return `${scheme}${user}:${MASK}@`;
  });
}

/** Environment variables that hold a secret, or a URL that may carry one. */
export const SECRET_VARIABLES = [
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'FASTNPC_ADMIN_PASSWORD',
  'SEED_PASSWORD',
  'FASTNPC_SECRET',
];
export const URL_VARIABLES = ['BASE_URL', 'WORKER1_URL', 'WORKER2_URL', 'REDIS_URL', 'DATABASE_URL'];

function urlPassword(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const url = new URL(value);
    return url.password ? [url.password, decodeURIComponent(url.password)] : [];
  } catch {
    return [];
  }
}

export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const name of SECRET_VARIABLES) if (env[name]) out.push(env[name] as string);
  for (const name of URL_VARIABLES) out.push(...urlPassword(env[name]));
  return out;
}

export class Redactor {
  private readonly secrets = new Set<string>();
  constructor(secrets: Iterable<string> = []) {
    this.add(...secrets);
  }

  /** Adds secret values; values shorter than 4 characters are not masked (they would mangle ordinary text). */
  add(...secrets: Array<string | undefined>): void {
    for (const s of secrets) {
      if (!s || s.length < 4) continue;
      this.secrets.add(s);
      this.secrets.add(encodeURIComponent(s));
    }
  }

  redact(text: string): string {
    let out = maskUrlCredentials(text);
    // longest first, so a secret containing another is masked whole
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
    return out;
  }

  /** Rewrites every text file under `dir` in place with its secrets masked (raw k6 summaries, logs, records). */
  redactTree(dir: string): void {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) this.redactTree(path);
      else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) {
        const buffer = readFileSync(path);
        if (buffer.includes(0)) continue; // binary (a screenshot)
        const text = buffer.toString('utf8');
        const clean = this.redact(text);
        if (clean !== text) writeFileSync(path, clean);
      }
    }
  }
}
