import { ConflictException, type INestApplicationContext } from '@nestjs/common';
import { DailyAggregates } from './aggregates/daily-aggregates.repository';
import { Invitations } from './consent/invitations';
import { Dispatcher } from './delivery/dispatcher';
import { SyncRequests } from './ingest/sync-requests';
import type { SyncOutcome } from './ingest/sync-runner';
import type { OpenEmrDatabase } from './openemr/openemr-database';
import { openEmrInbox, openEmrReminders, STAND_IN_USERS } from './openemr/stand-in';
import { Enrollments } from './patients/enrollments';
import { MonitoredPatients } from './rules/monitored-patients';
import { RuleEvaluations } from './rules/rule-evaluations.service';
import { RuleOutcomes } from './rules/rule-outcomes.repository';
import { consentAsPatient } from './simulator';

/** The demo's scripted cohort: OpenEMR stand-in patient -> simulated Fitbit user and scenario. */
export const DEMO_COHORT: readonly { pid: number; simUser: string; scenario: string }[] = [
  { pid: 2, simUser: 'sim-2', scenario: 'resting heart rate rise' },
  { pid: 3, simUser: 'sim-3', scenario: 'sleep deficit' },
  { pid: 4, simUser: 'sim-4', scenario: 'heart-failure weight gain' },
  { pid: 5, simUser: 'sim-5', scenario: 'activity drop' },
  { pid: 6, simUser: 'sim-6', scenario: 'low oxygen saturation' },
];

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * The whole journey for the scripted cohort, through the same services the
 * running service uses: enroll, consent (the simulator plays each patient),
 * backfill, evaluate yesterday, deliver to OpenEMR, then show what each
 * clinician sees in OpenEMR's inbox and reminders.
 */
export async function runDemoPipeline(
  app: INestApplicationContext,
  vigilUrl: string,
  openEmr: OpenEmrDatabase,
): Promise<void> {
  const enrollments = app.get(Enrollments);
  const known = new Map((await enrollments.list()).map((e) => [e.pid, e.status]));
  for (const member of DEMO_COHORT) {
    if (known.get(member.pid) === 'active') continue;
    if (!known.has(member.pid) || known.get(member.pid) === 'ended') {
      await enrollments.enroll({ pid: member.pid, program: 'demo' }, 'demo');
    }
    const invitation = await app.get(Invitations).invite(member.pid, 'demo');
    const page = await consentAsPatient(vigilUrl, new URL(invitation.url).pathname, {
      user: member.simUser,
    });
    if (page.status !== 200)
      throw new Error(`Consent for pid ${member.pid} answered ${page.status}`);
  }

  say('Backfilling the scripted cohort from the simulator...');
  for (const member of DEMO_COHORT) {
    const outcome = await syncWhenFree(app.get(SyncRequests), member.pid);
    if (outcome.status !== 'synced')
      say(`  pid ${member.pid}: sync ${outcome.status} (${outcome.reason})`);
  }
  await printRecentDays(app);

  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const monitored = await app.get(MonitoredPatients).activePatients();
  const cohort = monitored.filter((p) => DEMO_COHORT.some((m) => m.pid === p.pid));
  await app
    .get(RuleEvaluations)
    .evaluate(cohort.map((patient) => ({ patient, dates: [yesterday] })));
  await printOutcomes(app, yesterday);

  // Routing first (reads OpenEMR for recipients), then the messages and reminders it queued.
  for (let round = 0; round < 3; round++) await app.get(Dispatcher).dispatchDue();
  await printOpenEmr(openEmr);
}

/** The scheduler may already be backfilling a new connection: wait for it, then sync. */
async function syncWhenFree(syncs: SyncRequests, pid: number): Promise<SyncOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await syncs.syncNow(pid);
    } catch (error) {
      if (!(error instanceof ConflictException) || attempt > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * One value of the demo's aggregates table, right-aligned; at most one decimal,
 * as the OpenEMR message words it (a stored 91.37039999999999 kg prints 91.4).
 */
export function aggregateCell(value: number | null, width: number): string {
  return (value === null ? '' : String(Math.round(value * 10) / 10)).padStart(width);
}

async function printRecentDays(app: INestApplicationContext): Promise<void> {
  const to = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const from = new Date(Date.now() - 4 * 86_400_000).toISOString().slice(0, 10);
  say(`\nDaily aggregates, ${from} to ${to} (blank = no data that day)`);
  say('  pid  date        rest HR  steps   asleep  SpO2  weight kg  worn min');
  const series = await app.get(DailyAggregates).seriesFor(
    DEMO_COHORT.map((m) => m.pid),
    from,
    to,
  );
  const cell = aggregateCell;
  for (const [pid, days] of series) {
    for (const d of days) {
      say(
        `  ${String(pid).padStart(3)}  ${d.date} ${cell(d.restingHrProvider, 8)} ${cell(d.steps, 6)} ${cell(d.sleepAsleepMinutes, 8)} ${cell(d.spo2Average, 5)} ${cell(d.weightKg, 10)} ${cell(d.wearMinutes, 9)}`,
      );
    }
  }
}

async function printOutcomes(app: INestApplicationContext, date: string): Promise<void> {
  const rows = await app.get(RuleOutcomes).onDate(date);
  say(`\nRule outcomes for ${date} (true = the rule holds)`);
  for (const member of DEMO_COHORT) {
    const mine = rows.filter((r) => Number(r.pid) === member.pid);
    const by = (result: string) =>
      mine
        .filter((r) => r.result === result)
        .map((r) => r.ruleId)
        .join(', ') || '-';
    say(`  pid ${member.pid} (${member.scenario})`);
    say(`    true: ${by('true')}`);
    say(`    false: ${by('false')}`);
    say(`    insufficient data: ${by('insufficient_data')}`);
  }
}

async function printOpenEmr(openEmr: OpenEmrDatabase): Promise<void> {
  const dueBefore = new Date(Date.now() + 31 * 86_400_000).toISOString().slice(0, 10);
  say("\nWhat staff see in OpenEMR (read with OpenEMR's own inbox and reminder queries)");
  for (const user of STAND_IN_USERS.filter((u) => u.active && u.username !== 'vigil')) {
    const inbox = await openEmrInbox(openEmr, user.username);
    const reminders = await openEmrReminders(openEmr, user.id, dueBefore);
    if (inbox.length === 0 && reminders.length === 0) continue;
    say(`\n== ${user.username}: ${inbox.length} message(s), ${reminders.length} reminder(s)`);
    for (const m of inbox)
      say(`-- message ${m.id} (pid ${m.pid}, chart ${m.pubpid}, ${m.title})\n${m.body}`);
    for (const r of reminders)
      say(`-- reminder ${r.id} (pid ${r.pid}, due ${r.dueDate}): ${r.text}`);
  }
}
