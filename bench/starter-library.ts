/**
 * The starter library on messy data: a cohort from the simulator as it runs
 * by default (Fitbit's 5 s heart rate, streams that start and pause, zero-step
 * intervals, duplicated points, stale offsets, late days; no clinical
 * scenario, so every alert is one a well patient's data raised) is synced
 * through Vigil's real sync into SQLite, then every starter rule is
 * backtested over the last BENCH_DAYS days (default 60) with the live fact
 * code and alert state machine. Prints condition days and alert days per
 * patient-month per rule beside the published anchor the rule cites, the
 * severe level of the sleep deficit its description suggests (360 minutes),
 * and the resting-HR alert days outside the simulator's own respiratory
 * infections (NightSignal's anchor counts alerts outside infection).
 *
 *   npm run bench:starter-library
 *
 * BENCH_PATIENTS (default 24), BENCH_DAYS (default 60), BENCH_SEED (default
 * 'starter-library').
 */
import 'reflect-metadata';
import os from 'node:os';
import { DataSource } from 'typeorm';
import { RuleBacktests } from '../src/backtest/rule-backtests.service';
import { startVigil } from '../src/bootstrap';
import { SyncRequests } from '../src/ingest/sync-requests';
import { loadRuleDirectory } from '../src/rules/loader/load-rule-directory';
import type { BacktestResult } from '../src/backtest/rule-backtests.service';
import { startSimulator } from '../src/simulator';
import { addDays, localDateAt } from '../src/time';
import { freshDatabase } from '../test/support/databases';
import { connectPatient, simulatorEnv } from '../test/support/wearables';
import { join } from 'node:path';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 24);
const DAYS = Number(process.env.BENCH_DAYS ?? 60);
const SEED = process.env.BENCH_SEED ?? 'starter-library';
/** Baselines read 34 days back; the backfill covers them and the backtest range. */
const BACKFILL_DAYS = DAYS + 40;
const PROGRAM = 'starter-check';

/** What each rule's description cites to compare an alert burden with. */
const ANCHORS: Record<string, string> = {
  'resting-hr-rise': 'NightSignal: 1.15 alert days per person-period outside infection',
  'sleep-deficit': 'none published (AASM/SRS 7 h recommendation)',
  'sleep-deficit (360 min)': 'none published (the severe level in the rule description)',
  'heart-failure-weight-gain': 'sensitivity 20-46%, PPV as low as 6%; no alert-day rate',
  'activity-drop': 'none published',
  'low-oxygen-saturation': 'none published (confirm clinically)',
  'hrv-drop': 'none published',
  'monitoring-gap': 'not physiology; no anchor',
};

async function main(): Promise<void> {
  const started = Date.now();
  const sim = await startSimulator({
    cohortSize: PATIENTS,
    seed: SEED,
    historyDays: BACKFILL_DAYS + 5,
  });
  const db = await freshDatabase('sqlite', {
    ...simulatorEnv(sim),
    SYNC_TICK_SECONDS: '3600',
    BACKFILL_DAYS: String(BACKFILL_DAYS),
    LOG_LEVEL: 'error',
  });
  const vigil = await startVigil(db.env, { port: 0 });
  try {
    const ds = vigil.app.get(DataSource);
    const syncs = vigil.app.get(SyncRequests);
    let lastDate = '';
    for (let i = 1; i <= PATIENTS; i++) {
      const userId = `sim-${i}`;
      await connectPatient(ds, db.env, sim, 5000 + i, userId, {
        nextSyncAt: new Date(Date.now() + 3_600_000),
      });
      const outcome = await syncs.syncNow(5000 + i);
      if (outcome.status !== 'synced') throw new Error(`${userId}: sync ${outcome.status}`);
      const zone = sim.cohort.user(userId)!.homeTimeZone;
      const yesterday = addDays(localDateAt(new Date(), zone), -1);
      if (yesterday > lastDate) lastDate = yesterday;
    }
    await ds.query('UPDATE enrollments SET program = ?', [PROGRAM]);
    const synced = Date.now();

    const to = lastDate;
    const from = addDays(to, 1 - DAYS);
    const backtests = vigil.app.get(RuleBacktests);
    const rules = loadRuleDirectory(join(__dirname, '..', 'rules')).rules;
    const rows: string[][] = [];
    const runs: Array<{ label: string; report: BacktestResult }> = [];
    for (const rule of rules) {
      runs.push({
        label: rule.id,
        report: await backtests.run({ ruleId: rule.id, program: PROGRAM, from, to }),
      });
      if (rule.id === 'sleep-deficit') {
        const severe = { ...rule, params: { ...rule.params, minutes: 360 } };
        runs.push({
          label: 'sleep-deficit (360 min)',
          report: await backtests.run({
            ruleId: rule.id,
            draft: severe,
            program: PROGRAM,
            from,
            to,
          }),
        });
      }
    }
    for (const { label, report } of runs) {
      const s = report.summary;
      rows.push([
        label,
        s.conditionDaysPerPatientMonth.toFixed(2),
        s.alertDaysPerPatientMonth.toFixed(2),
        `${s.patientsAlerted}/${s.patients}`,
        String(s.episodesNotified),
        `${s.outcomeDays.insufficient_data}`,
        ANCHORS[label] ?? '',
      ]);
    }
    // Resting-HR alert days in episodes that overlap one of the user's simulated
    // infections (from 3 days before it to 3 days after), and outside them.
    const rise = runs.find((run) => run.label === 'resting-hr-rise')!.report;
    let duringIllness = 0;
    let illnesses = 0;
    for (const patient of rise.patients) {
      const user = sim.cohort.user(`sim-${patient.pid - 5000}`)!;
      const windows = sim.cohort
        .illnesses(user)
        .map((illness) => [
          addDays(illness.from, -3),
          addDays(illness.from, (illness.days ?? 7) + 2),
        ]);
      illnesses += windows.filter(([start, end]) => end >= from && start <= to).length;
      for (const episode of patient.episodes) {
        const end = episode.end ?? to;
        if (windows.some(([start, stop]) => episode.start <= stop && end >= start))
          duringIllness += episode.alertDays;
      }
    }
    const months = rise.summary.patientMonths;
    const perMonth = (days: number): string => (months === 0 ? '0.00' : (days / months).toFixed(2));
    const header = [
      'rule',
      'condition days / patient-month',
      'alert days / patient-month',
      'patients alerted',
      'episodes told',
      'insufficient-data days',
      'published anchor',
    ];
    const habits = sim.cohort
      .users(0, PATIENTS)
      .flatMap((user) => sim.cohort.habits(user).map((habit) => habit.kind));
    const habitCounts = [...new Set(habits)]
      .sort()
      .map((kind) => `${kind} ${habits.filter((h) => h === kind).length}`);
    process.stdout.write(
      [
        `Starter library on the messy cohort: ${PATIENTS} patients (seed ${SEED}), backtest ${from}..${to} (${DAYS} days), backfill ${BACKFILL_DAYS} days`,
        `habits in the cohort: ${habitCounts.join(', ')}`,
        `machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}; ${new Date().toISOString()}`,
        `sync ${((synced - started) / 1000).toFixed(1)} s, backtests ${((Date.now() - synced) / 1000).toFixed(1)} s`,
        '',
        `| ${header.join(' | ')} |`,
        `|${header.map(() => '---').join('|')}|`,
        ...rows.map((row) => `| ${row.join(' | ')} |`),
        '',
        `resting-hr-rise: ${illnesses} simulated respiratory infections touch the range; alert days per patient-month in episodes overlapping one ${perMonth(duringIllness)}, outside them ${perMonth(rise.summary.alertDays - duringIllness)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await vigil.shutdown('bench finished');
    await sim.close();
    await db.drop();
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
