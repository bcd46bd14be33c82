import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KeyRing } from '../../src/crypto/key-ring';
import { ROOT } from '../support/processes';

const run = promisify(execFile);

describe('patient commands', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    env = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dir,
      ENCRYPTION_KEYS: KeyRing.generateEntry('cli'),
      PUBLIC_BASE_URL: 'https://vigil.clinic.test',
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env,
    });

  it('enroll, invite and list a patient', async () => {
    const enrolled = await cli('patient:enroll', '42', '--program', 'heart-failure');
    expect(enrolled.stdout).toContain('Enrolled patient 42 (status invited, sync every 360 min)');
    const invited = await cli('invite', '42');
    expect(invited.stdout).toMatch(
      /^Invitation for patient 42, valid until \S+:\nhttps:\/\/vigil\.clinic\.test\/connect\/[A-Za-z0-9_-]{43}\n$/,
    );
    const listed = await cli('patient:list');
    expect(listed.stdout).toBe('42\tinvited\theart-failure\t-\tlast sync never\t-\n');
    await expect(cli('patient:enroll', '42')).rejects.toMatchObject({
      stderr: expect.stringContaining('Patient 42 is already enrolled'),
    });
  }, 120_000);
});
