import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The node flags before `dist/src/main.js` in a command line. */
function nodeFlags(command: string): string[] {
  const flags = /node (.*)dist\/src\/main\.js/.exec(command)?.[1];
  if (flags === undefined) throw new Error(`no node command in ${command}`);
  return flags.split(' ').filter(Boolean);
}

describe("workers' node flags", () => {
  const scripts = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const unit = readFileSync(join(ROOT, 'deploy/systemd/vigil-worker@.service'), 'utf8');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';

  it('cap the old space and the young generation (see docs/ingestion.md, Memory)', () => {
    expect(nodeFlags(scripts['start:worker'])).toEqual([
      '--max-old-space-size=192',
      '--max-semi-space-size=8',
    ]);
  });

  it('are the same in the systemd unit as in npm run start:worker', () => {
    expect(nodeFlags(execStart)).toEqual(nodeFlags(scripts['start:worker']));
  });
});
