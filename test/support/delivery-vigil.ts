import { DataSource } from 'typeorm';
import { AlertService } from '../../src/alerts/alert-service';
import { startVigil, type VigilApp } from '../../src/bootstrap';
import { Dispatcher } from '../../src/delivery/dispatcher';
import type { LogWriter } from '../../src/logging/json-logger';
import { OpenEmrDatabase, type OpenEmrConnectOptions } from '../../src/openemr/openemr-database';
import { freshDatabase, type TestDatabase } from './databases';
import { freshOpenEmr, useOpenEmrSqlMode, type TestOpenEmr } from './openemr';
import { TcpProxy } from './tcp-proxy';

/** A running Vigil that delivers into a fresh OpenEMR of one engine and sql_mode. */
export interface DeliveryVigil {
  openemr: TestOpenEmr;
  db: TestDatabase;
  vigil: VigilApp;
  alerts: AlertService;
  dispatcher: Dispatcher;
  dataSource: DataSource;
  /** On MariaDB with `throughProxy`: the path to OpenEMR, to cut and restore. */
  proxy?: TcpProxy;
  stop(): Promise<void>;
}

/**
 * Starts Vigil (ROLE=api, so the test drives the dispatcher itself) against a
 * fresh OpenEMR of `variant` (see openEmrVariants), Vigil's own OpenEMR
 * connection in the variant's sql_mode. `env` adds to Vigil's environment.
 */
export async function startDeliveryVigil(
  variant: { engine: 'sqlite' | 'mysql'; options: OpenEmrConnectOptions },
  env: Record<string, string>,
  options: { logWriter?: LogWriter; throughProxy?: boolean } = {},
): Promise<DeliveryVigil> {
  const openemr = await freshOpenEmr(variant.engine, variant.options);
  let openEmrUrl = openemr.url;
  let proxy: TcpProxy | undefined;
  if (variant.engine === 'mysql' && options.throughProxy) {
    const target = new URL(openEmrUrl);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 3306)).start();
    target.port = String(proxy.port);
    openEmrUrl = target.toString();
  }
  const db = await freshDatabase(variant.engine, {
    ROLE: 'api',
    OPENEMR_DATABASE_URL: openEmrUrl,
    ...env,
  });
  const vigil = await startVigil(db.env, {
    port: 0,
    logWriter: options.logWriter ?? (() => undefined),
  });
  if (variant.options.sessionSqlMode !== undefined) {
    useOpenEmrSqlMode(vigil.app.get(OpenEmrDatabase), variant.options.sessionSqlMode);
  }
  return {
    openemr,
    db,
    vigil,
    alerts: vigil.app.get(AlertService),
    dispatcher: vigil.app.get(Dispatcher),
    dataSource: vigil.app.get(DataSource),
    proxy,
    stop: async () => {
      await vigil.shutdown('test finished');
      await db.drop();
      await proxy?.stop();
      await openemr.drop();
    },
  };
}
