import type { DynamicModule } from '@nestjs/common';
import { loadEnvironment, ProcessRole } from './config/environment';
import { KeyRing } from './crypto/key-ring';
import { JsonLogger } from './logging/json-logger';

/** Two request-only features, watched for being loaded at all. */
const WATCHED = ['./web/inbox/inbox.module', './backtest/backtest.module'];

/** The app's imports for a role, and which watched files building them loaded. */
async function build(role: ProcessRole): Promise<{ imports: unknown[]; loaded: string[] }> {
  const loading: string[] = [];
  let loaded!: string[];
  let module!: DynamicModule;
  let httpOnly!: unknown[];
  await jest.isolateModulesAsync(async () => {
    for (const path of WATCHED)
      jest.doMock(path, () => {
        loading.push(path);
        return jest.requireActual(path);
      });
    const { AppModule } = await import('./app.module');
    const env = loadEnvironment({ ENCRYPTION_KEYS: KeyRing.generateEntry('k'), ROLE: role });
    module = await AppModule.forEnvironment(env, new JsonLogger('error', () => undefined));
    loaded = [...loading];
    ({ HTTP_ONLY_MODULES: httpOnly } = await import('./http-only-modules'));
  });
  const imports = module.imports ?? [];
  return { imports: imports.filter((m) => httpOnly.includes(m)), loaded };
}

describe('AppModule by role', () => {
  it('a worker neither wires nor loads the request-only features (pages, backtests, sign-in)', async () => {
    const worker = await build('worker');
    expect(worker.imports).toEqual([]);
    expect(worker.loaded).toEqual([]);
  });

  it.each(['all', 'api'] as const)('%s serves them all', async (role) => {
    const http = await build(role);
    expect(http.imports).toHaveLength(9);
    expect(http.loaded.sort()).toEqual([...WATCHED].sort());
  });
});
