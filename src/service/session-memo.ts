import type { Session } from './session.ts';

/** Signed cookie values remembered per worker. @default */
export const DEFAULT_SESSION_MEMO_SIZE = 10_000;

/**
 * Sessions whose signed cookie this worker has already verified, keyed by the whole signed value (payload and
 * HMAC): a repeat request skips the HMAC check and the payload decode. A tampered cookie is a different string, so
 * it is never found here and is verified (and refused) as before; a remembered session is refused once it has
 * expired, like a fresh one. Bounded: beyond `maxEntries` the oldest entry goes.
 */
export class SessionMemo {
  readonly #max: number;
  readonly #entries = new Map<string, Readonly<Session>>();

  constructor(maxEntries = DEFAULT_SESSION_MEMO_SIZE) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The remembered session of `signed` if it has not expired at `nowSeconds` (an expired one is forgotten). */
  get(signed: string, maxAgeSeconds: number, nowSeconds: number): Readonly<Session> | undefined {
    const session = this.#entries.get(signed);
    if (session === undefined) return undefined;
    if (session.iat + maxAgeSeconds < nowSeconds) {
      this.#entries.delete(signed);
      return undefined;
    }
    return session;
  }

  /** Remembers a session whose signed cookie was just verified. */
  remember(signed: string, session: Session): Readonly<Session> {
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const frozen = Object.freeze({ ...session });
    this.#entries.set(signed, frozen);
    return frozen;
  }
}
