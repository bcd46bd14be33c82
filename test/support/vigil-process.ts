import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes';

export interface ProcessSample {
  rss: number;
  heapUsed: number;
  handles: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One real Vigil process (src/main.ts) with the test-only hooks of
 * worker-preload.ts and an IPC channel, for tests that kill, restart, warp the
 * clock of, or sample the processes they start.
 */
export class VigilProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<Exit>;
  /** The last part of stdout (bounded: a soak writes a lot). */
  tail = '';
  /** Started: said "Vigil is running". */
  isReady = false;
  /** Lines matching `watch` seen so far. */
  readonly watched: string[] = [];

  constructor(
    readonly name: string,
    env: Record<string, string>,
    private readonly watch?: RegExp,
    /** A folder to keep the whole output in, as `<name>.log`. */
    logDir?: string,
  ) {
    this.child = spawn(
      process.execPath,
      [
        // Samples then measure the live heap after a collection, not V8's lazy growth.
        '--expose-gc',
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        './test/support/worker-preload.ts',
        'src/main.ts',
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    let markReady: () => void = () => undefined;
    let failReady: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    if (logDir !== undefined) {
      mkdirSync(logDir, { recursive: true });
      const log = createWriteStream(join(logDir, `${name}.log`));
      this.child.stdout?.pipe(log);
      this.child.stderr?.pipe(log);
    }
    let partial = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('Vigil is running')) {
          this.isReady = true;
          markReady();
        }
        if (this.watch?.test(line)) this.watched.push(line);
      }
      this.tail = (this.tail + chunk.toString()).slice(-20_000);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-20_000);
    });
    // 'close', not 'exit': the last lines a process wrote (a self-kill's notice) are read by then.
    this.exited = new Promise<Exit>((resolve) =>
      this.child.on('close', (code, signal) => {
        failReady(
          new Error(`${name} exited (${code ?? signal}) before it was ready:\n${this.tail}`),
        );
        resolve({ code, signal });
      }),
    );
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  setClockOffset(clockOffsetMs: number): void {
    if (this.alive && this.child.connected) this.child.send({ clockOffsetMs });
  }

  /** Turns the self-kill hooks (VIGIL_TEST_CRASH_*) of a running process off. */
  stopCrashing(): void {
    if (this.alive && this.child.connected)
      this.child.send({ crashAfterOpenEmrWrite: 0, crashBeforeEvaluation: 0 });
  }

  /** Memory and handles as the process itself sees them; null when it does not answer in 5 s. */
  sample(): Promise<ProcessSample | null> {
    if (!this.alive || !this.child.connected) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        resolve(null);
      }, 5000);
      const onMessage = (message: { sample?: ProcessSample }): void => {
        if (!message?.sample) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(message.sample);
      };
      this.child.on('message', onMessage);
      this.child.send({ sample: true });
    });
  }
}
