import 'reflect-metadata';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { DailyAggregates } from '../src/aggregates/daily-aggregates.repository';
import { dayWithoutData } from '../src/aggregates/daily-aggregate';
import { SyncState } from '../src/ingest/sync-state.entity';
import { WearableConnection } from '../src/wearables/wearable-connection.entity';
async function main() {
  const admin = await createConnection({ uri: 'mysql://root@127.0.0.1:3306/' });
  const name = 'vigil_wc_micro';
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const ds = new DataSource({ ...(dataSourceOptions({ DATABASE_URL: `mysql://root@127.0.0.1:3306/${name}`, DATA_DIR: '/tmp' } as never) as object), migrationsRun: true } as never);
  await ds.initialize();
  const agg = new DailyAggregates(ds);
  const days = ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'].map((d) => ({ ...dayWithoutData(d), hrMean: 70.1, steps: 1000, coverage: { heartRateSamples: 5, stepMinutes: 3, dataTypes: ['heart-rate', 'steps'] } }));
  await ds.query(`INSERT INTO sync_states (connection_id, next_sync_at, cursor_date, early_sync_requested, consecutive_failures, unavailable_data_types) VALUES (1, NOW(), '2026-12-01', 0, 0, '')`);
  const time = async (label: string, f: () => Promise<unknown>) => {
    for (let i = 0; i < 50; i++) await f();
    const c = process.cpuUsage(); const N = 400;
    for (let i = 0; i < N; i++) await f();
    const u = process.cpuUsage(c);
    console.log(label.padEnd(40), ((u.user + u.system) / 1000 / N).toFixed(3), 'ms CPU');
  };
  for (let r = 0; r < 2; r++) {
    await time('upsert 5 days (typeorm)', () => agg.upsert(7, days));
    await time('series 5 days (typeorm find)', () => agg.series(7, '2026-12-01', '2026-12-05'));
    await time('series raw SELECT *', () => ds.query('SELECT * FROM daily_aggregates WHERE pid = ? AND date BETWEEN ? AND ? ORDER BY date', [7, '2026-12-01', '2026-12-05']));
    await time('SyncState findOneBy', () => ds.getRepository(SyncState).findOneBy({ connectionId: 1 }));
    await time('SyncState raw', () => ds.query('SELECT * FROM sync_states WHERE connection_id = ?', [1]));
    await time('SyncState update (typeorm)', () => ds.getRepository(SyncState).update({ connectionId: 1 }, { consecutiveFailures: 0, statusReason: null, cursorDate: '2026-12-01', lastAttemptAt: new Date() }));
    await time('SyncState raw update', () => ds.query('UPDATE sync_states SET consecutive_failures = ?, status_reason = ?, cursor_date = ?, last_attempt_at = ? WHERE connection_id = ?', [0, null, '2026-12-01', new Date(), 1]));
    await time('WearableConnection findOneBy', () => ds.getRepository(WearableConnection).findOneBy({ id: 1 }));
    await time('SELECT 1 raw', () => ds.query('SELECT 1'));
  }
  await ds.destroy();
  await admin.query(`DROP DATABASE ${name}`);
  await admin.end();
}
main().catch((e) => { console.error(e); process.exit(1); });
