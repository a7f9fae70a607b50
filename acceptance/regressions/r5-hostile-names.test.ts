/**
 * FastNPC defect 5: keys were built by concatenating user-chosen names, so a name with ":" or "*" could collide
 * with another key or widen a pattern delete. Here one user owns characters named "*", "a", "a:b", "?", "[x]" and a
 * name that looks like another user's key; each must read back as itself, and creating, renaming and deleting them
 * must leave another user's cached entries in place (still hits).
 */
import { describe, expect, test } from 'vitest';
import { createCharacter } from '../support/characters.ts';
import { seg } from '../support/http.ts';
import { recorder } from '../support/record.ts';
import { freshUser, userSession, workers } from '../support/target.ts';

const rec = recorder('R5');
type Structured = Record<string, Record<string, unknown>>;

describe('R5 hostile names', () => {
  test('names with ":" "*" "?" "[" never collide or widen an invalidation', async () => {
    const [u1] = workers();
    const { client: victim, user } = await userSession(7, u1);
    const victimPaths = [
      '/api/me/settings',
      '/api/characters',
      `/api/characters/${seg(user.characters[0] as string)}/structured`,
    ];
    for (const p of victimPaths) await victim.get(p);

    const { client: attacker } = await freshUser('acc_r5', u1);
    const me = await victim.get<{ id: number }>('/auth/me');
    const names = ['*', 'a', 'a:b', '?', '[x]', `${me.body.id}`, `user_settings:${me.body.id}`, '* *'];
    for (const n of names) await createCharacter(attacker, n);
    const collisions: string[] = [];
    for (const n of names) {
      for (let i = 0; i < 2; i++) {
        const s = await attacker.get<Structured>(`/api/characters/${seg(n)}/structured`);
        if (s.status !== 200 || s.body?.基础身份信息?.姓名 !== n) {
          collisions.push(
            `${JSON.stringify(n)} read back as ${JSON.stringify(s.body?.基础身份信息?.姓名)} (${s.status})`,
          );
        }
      }
    }
    // writes on the hostile names: each invalidates its own entries only
    await attacker.put(`/api/characters/${seg('a:b')}/rename`, { new_name: '*:*' });
    await attacker.put(`/api/characters/${seg('*')}/memories`, { short_term: ['x'] });
    await attacker.delete(`/api/characters/${seg('*')}`);
    await attacker.delete(`/api/characters/${seg('?')}`);
    await attacker.put('/api/me/settings', { profile: '*' });

    let victimHits = 0;
    let victimReads = 0;
    let headers = true;
    for (const p of victimPaths) {
      const r = await victim.get(p);
      if (r.cache === undefined) headers = false;
      victimReads++;
      if (r.cache === 'hit') victimHits++;
    }
    for (const c of collisions) rec.note(c);
    const noCollision = rec.figure(
      'hostile names that collided',
      collisions.length,
      'collisions',
      '= 0',
      collisions.length === 0,
    );
    if (headers) {
      const kept = rec.figure(
        'another user’s entries still cached after the hostile writes',
        `${victimHits}/${victimReads}`,
        '',
        'all',
        victimHits === victimReads,
      );
      expect(kept).toBe(true);
    } else {
      rec.note('target sends no X-Cache: only collisions checked');
    }
    expect(noCollision).toBe(true);
  });
});
