/**
 * FastNPC defect 4: the admin guard of /admin/cache/* read a field the session never carried, so even the admin got
 * 403. The admin must get 200 on every cache route; a plain user 403; no session 401.
 */
import { describe, expect, test } from 'vitest';
import { Client } from '../support/http.ts';
import { recorder } from '../support/record.ts';
import { adminSession, target, userSession } from '../support/target.ts';

const rec = recorder('R4');
const ROUTES: Array<[string, string]> = [
  ['GET', '/admin/cache/stats'],
  ['GET', '/admin/cache/test'],
  ['POST', `/admin/cache/clear?pattern=${encodeURIComponent('no_such_entry:*')}`],
];

describe('R4 admin guard', () => {
  test('admin 200, user 403, anonymous 401 on every cache route', async () => {
    const admin = await adminSession();
    const { client: user } = await userSession(0);
    const anonymous = new Client(target().baseUrl);
    const wrong: string[] = [];
    let adminOk = 0;
    for (const [method, path] of ROUTES) {
      const a = await admin.send(method, path);
      if (a.status === 200) adminOk++;
      else wrong.push(`admin ${method} ${path} → ${a.status}`);
      const u = await user.send(method, path);
      if (u.status !== 403) wrong.push(`user ${method} ${path} → ${u.status}`);
      const n = await anonymous.send(method, path);
      if (n.status !== 401) wrong.push(`anonymous ${method} ${path} → ${n.status}`);
    }
    for (const w of wrong) rec.note(w);
    const ok = rec.figure(
      'cache routes the admin can use',
      `${adminOk}/${ROUTES.length}`,
      '',
      'all',
      adminOk === ROUTES.length,
    );
    // the admin's refusals are counted above; this figure is the guard's own mistakes only
    const intruders = wrong.filter((w) => !w.startsWith('admin '));
    rec.figure(
      'wrong answers to a user (must be 403) or no session (401)',
      intruders.length,
      '',
      '= 0',
      intruders.length === 0,
    );
    expect(wrong).toEqual([]);
    expect(ok).toBe(true);
  });
});
