import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Entry points started and not yet exited. */
const running = new Set<ChildProcess>();

/**
 * Kills the entry points still running: after a test that timed out, so its
 * process does not go on loading the machine (and holding its port) while
 * the next tests run.
 */
export function killEntryPoints(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Runs one of Vigil's entry points as an operator would, with only the given
 * variables; `onStdout` sees the output so far and may signal the child.
 */
export function runEntryPoint(
  script: string,
  env: Record<string, string>,
  onStdout?: (text: string, child: ChildProcess) => void,
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child);
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}
