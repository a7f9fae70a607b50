import { describe, expect, it } from 'vitest';
import { rollbackLosses } from '../../../provisioning/lib/config/rollback-losses.ts';

const provisioned =
  'port 6379\nrequirepass Pw-live-1\nuser fastnpc_app on >App-live-1 resetkeys ~fastnpc:* -@all +@read\n';

describe('rollbackLosses: what a rollback takes away', () => {
  it("back to the package's file: requirepass and the app user are named", () => {
    expect(rollbackLosses(provisioned, 'port 6379\n# requirepass foobared\n')).toEqual([
      'this rollback removes requirepass: the restored server answers without a password',
      'this rollback removes the app user fastnpc_app: the app can no longer authenticate as it',
    ]);
  });

  it('a backup that keeps both (another password, same user) loses nothing; never a secret in the text', () => {
    const older = 'port 6379\nrequirepass Pw-old\nuser fastnpc_app on >App-old ~fastnpc:* +@read\n';
    expect(rollbackLosses(provisioned, older)).toEqual([]);
    const all = rollbackLosses(provisioned, 'requirepass ""\n').join('\n');
    expect(all).toContain('removes requirepass');
    for (const s of ['Pw-live-1', 'App-live-1']) expect(all).not.toContain(s);
  });

  it('an open live file loses nothing; no live file loses nothing', () => {
    expect(rollbackLosses('port 6379\n', 'port 6380\n')).toEqual([]);
    expect(rollbackLosses(undefined, 'port 6379\n')).toEqual([]);
  });
});
