/**
 * FastNPC defect 5: keys were built by concatenating user-chosen names, so a name with ":" or "*" could collide with
 * another key or widen a pattern delete. Judged at the key level, whatever the app does to names (the real app
 * normalises them): a copy of one of the attacker's characters is renamed through hostile names ("a:b", "?", "[x]",
 * another user's id, "user_settings:<id>", "* *", "*"); each name's reads must add keys of their own (no collision
 * with an existing entry), and deleting the character named "*" must remove only its own keys — the attacker's other
 * character and another user's entries stay in Redis. No character is created through the app.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { listRoles } from '../support/characters.ts';
import { type Client, seg } from '../support/http.ts';
import { uidOf, userKeys } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis, type RedisClient } from '../support/redis.ts';
import { userSession, workers } from '../support/target.ts';

const rec = recorder('R5');
const redis: RedisClient = adminRedis();
afterAll(() => redis.disconnect());

/** Keys that will not expire during the test (a 2 s list TTL must not read as a deletion). */
async function lasting(keys: Set<string>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const k of keys) {
    const pttl = await redis.pttl(k);
    if (pttl === -1 || pttl > 30_000) out.add(k);
  }
  return out;
}

async function touch(client: Client, role: string): Promise<void> {
  await client.post(`/api/chat/${seg(role)}/messages`, { content: 'hostile name check' });
  for (let i = 0; i < 2; i++) await client.get(`/api/characters/${seg(role)}/structured`);
}

describe('R5 hostile names', () => {
  test('names with ":" "*" "?" "[" never collide or widen a delete', async () => {
    const [u1] = workers();
    const { client: victim } = await userSession(7, u1);
    const victimUid = await uidOf(victim);
    await victim.get('/api/me/settings');
    await victim.get('/api/characters');
    const { client: attacker, user } = await userSession(12, u1);
    const attackerUid = await uidOf(attacker);
    const own = user.characters[0] as string;
    await touch(attacker, own);
    const victimBefore = await lasting(await userKeys(redis, victimUid));
    // The attacker's other character: no hostile write concerns it, so its entries must survive all of them.
    const ownKeys = [...(await lasting(await userKeys(redis, attackerUid)))].filter((k) =>
      /char_(id|profile):/.test(k),
    );
    const removedBy: string[] = [];
    const checkOwn = async (op: string): Promise<void> => {
      for (const k of ownKeys) {
        if ((await redis.exists(k)) === 0 && !removedBy.some((r) => r.startsWith(k))) removedBy.push(`${k} by ${op}`);
      }
    };

    const copy = await attacker.post<{ new_name?: string }>(`/api/characters/${seg(own)}/copy`);
    expect(copy.status, copy.text.slice(0, 200)).toBe(200);
    let current = copy.body.new_name as string;
    const names = ['a:b', '?', '[x]', `${victimUid}`, `user_settings:${victimUid}`, '* *', '*'];
    const collisions: string[] = [];
    const keysOfCurrent = new Set<string>();
    let renamed = 0;
    try {
      for (const n of names) {
        const rolesBefore = new Set(await listRoles(attacker));
        const r = await attacker.put(`/api/characters/${seg(current)}/rename`, { new_name: n });
        if (r.status !== 200) {
          // e.g. the app normalises "*" to "_" and the user already has a "_": not a cache matter
          rec.note(`rename to ${JSON.stringify(n)} refused (${r.status} ${r.text.slice(0, 80)}): name skipped`);
          continue;
        }
        renamed++;
        // the app may store the name normalised: take the name it lists now
        current = (await listRoles(attacker)).find((x) => !rolesBefore.has(x)) ?? n;
        const before = await userKeys(redis, attackerUid);
        await touch(attacker, current);
        const added = [...(await userKeys(redis, attackerUid))].filter((k) => !before.has(k));
        const idOrProfile = added.filter((k) => /char_(id|profile):/.test(k));
        if (idOrProfile.length === 0) {
          collisions.push(`${JSON.stringify(n)} (stored ${JSON.stringify(current)}) added no key of its own`);
        }
        keysOfCurrent.clear();
        for (const k of idOrProfile) keysOfCurrent.add(k);
        await checkOwn(`the rename to ${JSON.stringify(n)}`);
      }
      expect(renamed, 'hostile renames accepted by the app').toBeGreaterThan(0);
      rec.figure('hostile names accepted', `${renamed}/${names.length}`, '', '', null);
      const attackerBefore = await lasting(await userKeys(redis, attackerUid));
      const d = await attacker.delete(`/api/characters/${seg(current)}`);
      expect(d.status, d.text.slice(0, 200)).toBe(200);
      await checkOwn(`deleting ${JSON.stringify(current)}`);
      await attacker.put('/api/me/settings', { profile: '*' });
      const attackerAfter = await userKeys(redis, attackerUid);
      const victimAfter = await userKeys(redis, victimUid);
      const wrongly = [...attackerBefore].filter(
        (k) => !attackerAfter.has(k) && !keysOfCurrent.has(k) && !/user_settings|char_list/.test(k),
      );
      for (const r of removedBy) if (!wrongly.some((w) => r.startsWith(w))) wrongly.push(r);
      const victimLost = [...victimBefore].filter((k) => !victimAfter.has(k));
      for (const c of collisions) rec.note(c);
      for (const k of wrongly) rec.note(`removed: ${k}`);
      for (const k of victimLost) rec.note(`another user's entry removed: ${k}`);
      const noCollision = rec.figure(
        'hostile names that collided',
        collisions.length,
        'collisions',
        '= 0',
        collisions.length === 0,
      );
      const notWidened = rec.figure(
        'other entries removed by the hostile renames and delete',
        wrongly.length + victimLost.length,
        '',
        '= 0',
        wrongly.length + victimLost.length === 0,
      );
      rec.figure(
        'entries of another user kept',
        `${victimBefore.size - victimLost.length}/${victimBefore.size}`,
        '',
        '',
        null,
      );
      rec.figure('entries of the other character watched', ownKeys.length, '', '>= 1', ownKeys.length >= 1);
      rec.headline('other entries removed by the hostile renames and delete');
      expect(noCollision && notWidened).toBe(true);
    } finally {
      if ((await listRoles(attacker)).includes(current)) await attacker.delete(`/api/characters/${seg(current)}`);
    }
  });
});
