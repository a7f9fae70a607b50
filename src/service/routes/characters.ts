import type { FastifyInstance } from 'fastify';
import { currentXid } from '../db.ts';
import type { ServiceDeps } from '../deps.ts';
import { HttpError, notFound } from '../errors.ts';
import { generateStructured } from '../responder.ts';
import { JSON_CONTENT_TYPE, jsonObjectBytes, NULL_BYTES, ResponseBodies } from '../response-body.ts';
import { requireSession } from '../session.ts';
import {
  type CharacterListItem,
  copyCharacter,
  deleteCharacter,
  insertCharacter,
  renameCharacter,
} from '../store/characters.ts';
import { saveMemories } from '../store/memories.ts';
import { saveStructured } from '../store/profile.ts';
import { findTask, recordTask } from '../store/tasks.ts';
import { parseMemories, parseRoleName, parseStructured, ValidationError } from '../validation.ts';

type Params = { name?: string; old?: string; role?: string; id?: string };

function objectBody(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError('body', 'must be a JSON object');
  return raw as Record<string, unknown>;
}

/** The character routes: list, create (+ task status), rename, copy, delete, structured and memories. */
export function registerCharacterRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { keys } = deps;
  const { db, reads, writeInvalidation } = deps;
  const maxAge = deps.config.sessionMaxAgeSeconds;

  // Cached reads answer with text made once per cached value (response-body.ts)
  const listBodies = new ResponseBodies((items: CharacterListItem[]) => ({
    items: items.map((c) => ({
      role: c.role,
      path: `db://characters/${c.id}`,
      updated_at: c.updated_at,
      preview: c.preview,
      avatar_url: c.avatar_url,
      is_test_case: c.is_test_case,
    })),
  }));

  app.get('/api/characters', async (request, reply) => {
    const { uid } = requireSession(request, maxAge);
    return listBodies.send(reply, await reads.list(uid));
  });

  // FastNPC answers {"task_id"} and builds the character in the background with the LLM; here the local
  // generator builds it before the response, so a read right after sees it, and the task lives in the database.
  app.post('/api/characters', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const input = objectBody(request.body);
    const role = parseRoleName(input.role);
    const source = typeof input.source === 'string' && input.source.trim() ? input.source.trim().slice(0, 50) : 'baike';
    const created = await db.transaction(async (tx) => {
      const structured = generateStructured(role, source);
      const id = await insertCharacter(tx, uid, role, source, JSON.stringify(structured));
      if (id === undefined) return undefined;
      await saveStructured(tx, id, structured);
      const task = await recordTask(tx, uid, role, source, 'done', id, null);
      return { task, xid: await currentXid(tx) };
    });
    if (created === undefined) throw new HttpError(400, 'role already exists');
    await writeInvalidation.afterWrite(
      'character_create',
      [keys.characterId(uid, role), keys.characterProfile(uid, role), keys.characterList(uid)],
      created,
    );
    return { task_id: created.task };
  });

  app.get<{ Params: Params }>('/api/tasks/:id', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const task = await findTask(db, uid, request.params.id ?? '');
    if (!task) throw notFound();
    return {
      task_id: task.id,
      status: task.status,
      progress: task.status === 'done' ? 100 : 0,
      role: task.role,
      source: task.source,
      error: task.error,
      created_at: task.created_at,
      updated_at: task.updated_at,
    };
  });

  app.put<{ Params: Params }>('/api/characters/:old/rename', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const oldName = parseRoleName(request.params.old, 'old');
    const newName = parseRoleName(objectBody(request.body).new_name, 'new_name');
    if (newName === oldName) return { ok: true };
    const { result, xid } = await db.transaction(async (tx) => {
      const renamed = await renameCharacter(tx, uid, oldName, newName);
      return { result: renamed, xid: renamed === 'ok' ? await currentXid(tx) : undefined };
    });
    if (result === 'not_found') throw notFound();
    if (result === 'exists') throw new HttpError(400, 'new_name already exists');
    await writeInvalidation.afterWrite(
      'character_rename',
      [
        keys.characterId(uid, oldName),
        keys.characterId(uid, newName),
        keys.characterProfile(uid, oldName),
        keys.characterProfile(uid, newName),
        keys.characterList(uid),
      ],
      xid === undefined ? {} : { xid },
    );
    return { ok: true };
  });

  app.post<{ Params: Params }>('/api/characters/:name/copy', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const name = parseRoleName(request.params.name, 'name');
    const copy = await db.transaction(async (tx) => {
      const copied = await copyCharacter(tx, uid, name);
      return copied && { ...copied, xid: await currentXid(tx) };
    });
    if (!copy) throw notFound();
    await writeInvalidation.afterWrite(
      'character_copy',
      [keys.characterId(uid, copy.name), keys.characterProfile(uid, copy.name), keys.characterList(uid)],
      copy,
    );
    return { ok: true, new_name: copy.name };
  });

  app.delete<{ Params: Params }>('/api/characters/:name', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const name = parseRoleName(request.params.name, 'name');
    const deleted = await deleteCharacter(db, uid, name);
    if (!deleted) throw notFound();
    await writeInvalidation.afterWrite(
      'character_delete',
      [keys.characterId(uid, name), keys.characterProfile(uid, name), keys.characterList(uid)],
      deleted,
    );
    return { ok: true };
  });

  app.get<{ Params: Params }>('/api/characters/:role/structured', async (request, reply) => {
    const { uid } = requireSession(request, maxAge);
    // the body is the profile entry's `structured` part, the bytes Redis returned: no decoding, no parse, no stringify
    const entry = await reads.profileEntry(uid, parseRoleName(request.params.role));
    if (entry === null || entry.isNull) throw notFound();
    return reply.type(JSON_CONTENT_TYPE).send(entry.partBytes('structured') ?? NULL_BYTES);
  });

  // FastNPC forgot to invalidate char_profile here (defect 3).
  app.put<{ Params: Params }>('/api/characters/:role/structured', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const role = parseRoleName(request.params.role);
    const structured = parseStructured(request.body);
    const id = await reads.characterId(uid, role);
    if (id === null) throw notFound();
    const xid = await db.transaction(async (tx) => {
      await saveStructured(tx, id, structured);
      return currentXid(tx);
    });
    await writeInvalidation.afterWrite(
      'structured_update',
      [keys.characterProfile(uid, role), keys.characterList(uid)],
      {
        xid,
      },
    );
    return { ok: true };
  });

  app.get<{ Params: Params }>('/api/characters/:role/memories', async (request, reply) => {
    const { uid } = requireSession(request, maxAge);
    const entry = await reads.profileEntry(uid, parseRoleName(request.params.role));
    if (entry === null || entry.isNull) throw notFound();
    const body = jsonObjectBytes(
      ['short_term', entry.partBytes('shortTerm') ?? NULL_BYTES],
      ['long_term', entry.partBytes('longTerm') ?? NULL_BYTES],
    );
    return reply.type(JSON_CONTENT_TYPE).send(body);
  });

  app.put<{ Params: Params }>('/api/characters/:role/memories', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const role = parseRoleName(request.params.role);
    const memories = parseMemories(request.body);
    const id = await reads.characterId(uid, role);
    if (id === null) throw notFound();
    const xid = await db.transaction(async (tx) => {
      await saveMemories(tx, id, memories);
      return currentXid(tx);
    });
    await writeInvalidation.afterWrite('memories_save', [keys.characterProfile(uid, role)], { xid });
    return { ok: true };
  });
}
