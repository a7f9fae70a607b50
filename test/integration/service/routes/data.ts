/**
 * FastNPC's data routes (routes.test.ts runs them on its fixture): settings, characters (create, structured,
 * memories, rename, copy, delete) and chat — FastNPC's response shapes, the 400/401/404 cases, and every write seen at
 * once on the other worker.
 */
import { describe, expect, it } from 'vitest';
import { Client, enc, registerUser } from '../http.ts';
import type { RoutesContext } from './context.ts';

export function dataRoutes(ctx: RoutesContext): void {
  describe('settings', () => {
    it('GET answers FastNPC’s defaults; PUT partial updates; both workers agree', async () => {
      const client = await registerUser(ctx.fx.w1);
      const first = await client.get('/api/me/settings');
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        settings: {
          default_model: null,
          ctx_max_chat: null,
          ctx_max_stm: null,
          ctx_max_ltm: null,
          profile: null,
          max_group_reply_rounds: 3,
          updated_at: 0,
        },
      });
      const put = await client.put('/api/me/settings', { ctx_max_chat: 1200, profile: '喜欢唐诗，也喜欢“宋词”！' });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ ok: true });
      const after = await client.on(ctx.fx.w2).get('/api/me/settings');
      expect(after.body.settings).toMatchObject({
        ctx_max_chat: 1200,
        profile: '喜欢唐诗，也喜欢“宋词”！',
        default_model: null,
      });
      expect(after.body.settings.updated_at).toBeGreaterThan(0);
      await client.put('/api/me/settings', { default_model: 'z-ai/glm-4-32b' });
      const third = await client.get('/api/me/settings');
      expect(third.body.settings).toMatchObject({ ctx_max_chat: 1200, default_model: 'z-ai/glm-4-32b' });
    });

    it.each([
      [{ default_model: 'gpt-9' }, 'default_model'],
      [{ ctx_max_chat: 49 }, 'ctx_max_chat'],
      [{ ctx_max_stm: 5001 }, 'ctx_max_stm'],
      [{ ctx_max_ltm: 'lots' }, 'ctx_max_ltm'],
      [{ profile: '长'.repeat(201) }, 'profile'],
      [{ max_group_reply_rounds: 11 }, 'max_group_reply_rounds'],
      [{ max_group_reply_rounds: 2 }, 'max_group_reply_rounds'],
    ])('PUT %j → 400 naming %s', async (body, field) => {
      const client = await registerUser(ctx.fx.w2);
      const reply = await client.put('/api/me/settings', body);
      expect(reply.status).toBe(400);
      expect(reply.body.error.startsWith(`${field} `)).toBe(true);
      expect(reply.body.field).toBe(field);
    });
  });

  describe('characters', () => {
    it('create → task_id; the task and the character are visible on the other worker at once', async () => {
      const client = await registerUser(ctx.fx.w1);
      const created = await client.post('/api/characters', { role: '李白', source: 'baike' });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ task_id: expect.any(String) });
      const task = await client.on(ctx.fx.w2).get(`/api/tasks/${created.body.task_id}`);
      expect(task.status).toBe(200);
      expect(task.body).toMatchObject({ status: 'done', role: '李白' });
      expect((await client.on(ctx.fx.w1).get(`/api/tasks/${created.body.task_id}`)).body.status).toBe('done');
      expect((await client.get('/api/tasks/nope')).status).toBe(404);
      const list = await client.on(ctx.fx.w2).get('/api/characters');
      expect(list.body.items).toEqual([
        {
          role: '李白',
          path: expect.stringMatching(/^db:\/\/characters\/\d+$/),
          updated_at: expect.any(Number),
          preview: expect.any(String),
          avatar_url: '',
          is_test_case: false,
        },
      ]);
      const dup = await client.post('/api/characters', { role: '李白' });
      expect(dup.status).toBe(400);
      expect((await client.post('/api/characters', { role: '  ' })).status).toBe(400);
    });

    it('a hit answers, byte for byte, the body of the load that filled it (the entry sent as its bytes)', async () => {
      const client = await registerUser(ctx.fx.w1);
      const role = enc('王维 摩诘');
      await client.post('/api/characters', { role: '王维 摩诘' });
      // each write invalidates the entry the next GET reads: that GET loads (a miss), the other worker's hits
      const writes: [string, () => Promise<unknown>][] = [
        ['/api/me/settings', () => client.put('/api/me/settings', { profile: '“诗中有画”，画中有诗 🎨' })],
        [
          `/api/characters/${role}/memories`,
          () =>
            client.put(`/api/characters/${role}/memories`, {
              short_term: ['空山新雨后'],
              long_term: [{ content: '明月松间照 🌙' }],
            }),
        ],
        [
          `/api/characters/${role}/structured`,
          () => client.put(`/api/characters/${role}/structured`, { 基础身份信息: { 姓名: '王维', 字: '摩诘' } }),
        ],
      ];
      for (const [path, write] of writes) {
        await write();
        const miss = await client.get(path);
        expect(miss.headers.get('x-cache'), path).toBe('miss');
        // the commit-log invalidator's delete of the write may land after this fill: then the next read loads again
        let hit = await client.on(ctx.fx.w2).get(path);
        for (let i = 0; i < 20 && hit.headers.get('x-cache') !== 'hit'; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          hit = await client.on(ctx.fx.w2).get(path);
        }
        expect(hit.headers.get('x-cache'), path).toBe('hit');
        expect(hit.text, path).toBe(miss.text);
        expect(hit.text, path).toBe(JSON.stringify(JSON.parse(hit.text))); // what Fastify's serializer sends
        expect(hit.headers.get('content-type'), path).toBe('application/json; charset=utf-8');
        expect(Number(hit.headers.get('content-length')), path).toBe(Buffer.byteLength(hit.text));
      }
    });

    it('structured: GET nested Chinese sections, PUT replaces sections, unknown role 404 not_found', async () => {
      const client = await registerUser(ctx.fx.w1);
      await client.post('/api/characters', { role: '杜甫·诗圣' });
      const got = await client.on(ctx.fx.w2).get(`/api/characters/${enc('杜甫·诗圣')}/structured`);
      expect(got.status).toBe(200);
      expect(got.body.基础身份信息.姓名).toBe('杜甫·诗圣');
      expect(got.body.背景故事.经历).toEqual(expect.arrayContaining([expect.any(String)]));
      expect(got.body).not.toHaveProperty('_metadata');
      const put = await client.put(`/api/characters/${enc('杜甫·诗圣')}/structured`, {
        基础身份信息: { 姓名: '杜甫', 年龄: '58' },
        背景故事: { 出身: '京兆杜氏', 经历: ['安史之乱', '客居成都'] },
      });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ ok: true });
      const after = await client.on(ctx.fx.w2).get(`/api/characters/${enc('杜甫·诗圣')}/structured`);
      expect(after.body.基础身份信息).toMatchObject({ 姓名: '杜甫', 年龄: '58', 性别: null });
      expect(after.body.背景故事).toMatchObject({ 出身: '京兆杜氏', 经历: ['安史之乱', '客居成都'] });
      const missing = await client.get(`/api/characters/${enc('没有这个人')}/structured`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'not_found' });
      expect((await client.put(`/api/characters/${enc('没有这个人')}/structured`, {})).status).toBe(404);
      expect((await client.put(`/api/characters/${enc('杜甫·诗圣')}/structured`, { 基础身份信息: 'x' })).status).toBe(
        400,
      );
    });

    it('memories: GET {short_term,long_term}, PUT replaces, bad body 400, unknown 404', async () => {
      const client = await registerUser(ctx.fx.w1);
      await client.post('/api/characters', { role: '林黛玉' });
      const empty = await client.get(`/api/characters/${enc('林黛玉')}/memories`);
      expect(empty.body).toEqual({ short_term: [], long_term: [] });
      const put = await client.on(ctx.fx.w2).put(`/api/characters/${enc('林黛玉')}/memories`, {
        short_term: ['葬花', '读《西厢记》'],
        long_term: ['来自姑苏'],
      });
      expect(put.status).toBe(200);
      const after = await client.get(`/api/characters/${enc('林黛玉')}/memories`);
      expect(after.body).toEqual({ short_term: ['葬花', '读《西厢记》'], long_term: ['来自姑苏'] });
      expect((await client.put(`/api/characters/${enc('林黛玉')}/memories`, { short_term: 'x' })).status).toBe(400);
      expect((await client.put(`/api/characters/${enc('无')}/memories`, { short_term: [] })).status).toBe(404);
    });

    it('rename: 200, 404 for a missing character, 400 when the new name exists or is empty', async () => {
      const client = await registerUser(ctx.fx.w1);
      await client.post('/api/characters', { role: '孙悟空' });
      await client.post('/api/characters', { role: '猪八戒' });
      const ok = await client.put(`/api/characters/${enc('孙悟空')}/rename`, { new_name: '齐天大圣：孙悟空' });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ ok: true });
      const roles = (await client.on(ctx.fx.w2).get('/api/characters')).body.items.map((i: { role: string }) => i.role);
      expect(roles).toContain('齐天大圣：孙悟空');
      expect(roles).not.toContain('孙悟空');
      expect((await client.put(`/api/characters/${enc('孙悟空')}/rename`, { new_name: 'x' })).status).toBe(404);
      expect(
        (await client.put(`/api/characters/${enc('猪八戒')}/rename`, { new_name: '齐天大圣：孙悟空' })).status,
      ).toBe(400);
      expect((await client.put(`/api/characters/${enc('猪八戒')}/rename`, { new_name: '' })).status).toBe(400);
    });

    it('copy: FastNPC’s -副本 / -副本2 names with the profile and memories; 404 for a missing one', async () => {
      const client = await registerUser(ctx.fx.w1);
      await client.post('/api/characters', { role: '诸葛亮' });
      await client.put(`/api/characters/${enc('诸葛亮')}/memories`, { short_term: ['草船借箭'] });
      const first = await client.post(`/api/characters/${enc('诸葛亮')}/copy`);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ ok: true, new_name: '诸葛亮-副本' });
      const second = await client.on(ctx.fx.w2).post(`/api/characters/${enc('诸葛亮')}/copy`);
      expect(second.body.new_name).toBe('诸葛亮-副本2');
      const copied = await client.on(ctx.fx.w2).get(`/api/characters/${enc('诸葛亮-副本')}/memories`);
      expect(copied.body.short_term).toEqual(['草船借箭']);
      const structured = await client.get(`/api/characters/${enc('诸葛亮-副本2')}/structured`);
      expect(structured.body.基础身份信息.姓名).toBe('诸葛亮');
      expect((await client.post(`/api/characters/${enc('无名')}/copy`)).status).toBe(404);
    });

    it('delete: 200 then 404; hostile names (*, :, ?, spaces, slash) round-trip', async () => {
      const client = await registerUser(ctx.fx.w1);
      for (const role of ['*', 'user_settings:1', '问号？还是?', '带 空格', 'a/b 斜杠']) {
        expect((await client.post('/api/characters', { role })).status, role).toBe(200);
        const got = await client.on(ctx.fx.w2).get(`/api/characters/${enc(role)}/structured`);
        expect(got.status, role).toBe(200);
        expect(got.body.基础身份信息.姓名).toBe(role);
      }
      const del = await client.delete(`/api/characters/${enc('*')}`);
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ ok: true });
      expect((await client.on(ctx.fx.w2).get(`/api/characters/${enc('*')}/structured`)).status).toBe(404);
      expect((await client.delete(`/api/characters/${enc('*')}`)).status).toBe(404);
      // the other hostile names survive the delete of '*'
      expect((await client.on(ctx.fx.w2).get(`/api/characters/${enc('user_settings:1')}/structured`)).status).toBe(200);
    });
  });

  describe('chat', () => {
    it('POST answers {"reply"}, GET lists {"messages"} on the other worker; 400 empty content, 404 unknown role', async () => {
      const client = await registerUser(ctx.fx.w1);
      await client.post('/api/characters', { role: '苏轼' });
      const sent = await client.post(`/api/chat/${enc('苏轼')}/messages`, { content: '明月几时有？' });
      expect(sent.status).toBe(200);
      expect(sent.body).toEqual({ reply: expect.stringContaining('苏轼') });
      const listed = await client.on(ctx.fx.w2).get(`/api/chat/${enc('苏轼')}/messages`);
      expect(listed.status).toBe(200);
      expect(listed.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
      expect(listed.body.messages[0]).toMatchObject({ id: expect.any(Number), content: '明月几时有？' });
      expect((await client.post(`/api/chat/${enc('苏轼')}/messages`, { content: '  ' })).status).toBe(400);
      expect((await client.post(`/api/chat/${enc('无人')}/messages`, { content: 'hi' })).status).toBe(404);
      expect((await client.get(`/api/chat/${enc('苏轼')}/messages?limit=0`)).status).toBe(400);
      expect((await new Client(ctx.fx.w1).post(`/api/chat/${enc('苏轼')}/messages`, { content: 'x' })).status).toBe(
        401,
      );
    });
  });
}
