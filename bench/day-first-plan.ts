import { join } from 'node:path';
import { dataNeeds } from '../src/ingest/data-needs';
import { planSync, type SyncPlan } from '../src/ingest/sync-plan';
import { loadRuleDirectory } from '../src/rules/loader/load-rule-directory';
import { addDays, localDateAt } from '../src/time';
import {
  DATA_TYPE_IDS,
  GOOGLE_HEALTH_DATA_TYPES,
  GOOGLE_HEALTH_SCOPE_PREFIX,
} from '../src/wearables/google-health/data-types';

/** What the charts and the starter library read, as a clinic running them fetches it. */
const STARTER_NEEDS = dataNeeds(
  loadRuleDirectory(join(__dirname, '..', 'rules')).rules.map((definition) => ({
    definition,
    enabledByDefault: true,
    programs: new Map(),
  })),
);

/**
 * The requests of a day's first incremental sync (charts + starter rules, all
 * scopes granted, re-reading 3 days by roll-up), as the benches replay it: in
 * the minutes check's steady state (docs/ingestion.md), the quarter-hour roll-ups of
 * `minutesCheck`, then minutes from yesterday (the older re-read days
 * unchanged; yesterday, read before it was complete, has no fingerprint).
 * BENCH_SYNC_KIND=unchecked: every re-read minute, as the day after a backfill.
 */
export function dayFirstSyncPlan(
  now: number,
  timeZone: string,
  nightStarts?: ReadonlyMap<string, number>,
): SyncPlan {
  const plan = starterPlan(now, timeZone, null, { nightStarts });
  if (BENCH_SYNC_KIND === 'unchecked' || plan.minutesCheck === null) return plan;
  return {
    ...starterPlan(now, timeZone, null, { nightStarts, minutesFrom: plan.minutesCheck.through }),
    minutesCheck: plan.minutesCheck,
  };
}

/**
 * The requests of a later sync the same day (three of a day's four at the
 * default interval): the re-read is spent, so it reads today from local
 * midnight, and the daily types.
 */
export function laterSyncPlan(
  now: number,
  timeZone: string,
  nightStarts?: ReadonlyMap<string, number>,
): SyncPlan {
  return starterPlan(now, timeZone, localDateAt(now, timeZone), { nightStarts });
}

/**
 * BENCH_SYNC_KIND=later: the benches replay a later sync the same day instead
 * of the day's first; =unchecked: the day's first reading every re-read minute.
 */
export const BENCH_SYNC_KIND: 'first' | 'later' | 'unchecked' =
  process.env.BENCH_SYNC_KIND === 'later' || process.env.BENCH_SYNC_KIND === 'unchecked'
    ? process.env.BENCH_SYNC_KIND
    : 'first';

/**
 * `nightStarts`: the sleep the plan's sparse lists brought (main-sleep.ts), as
 * a sync plans its minutes once it has them; absent: the plan a sync starts
 * with (its sparse lists are the same either way).
 */
export function benchSyncPlan(
  now: number,
  timeZone: string,
  nightStarts?: ReadonlyMap<string, number>,
): SyncPlan {
  return BENCH_SYNC_KIND === 'later'
    ? laterSyncPlan(now, timeZone, nightStarts)
    : dayFirstSyncPlan(now, timeZone, nightStarts);
}

function starterPlan(
  now: number,
  timeZone: string,
  rereadSpentOn: string | null,
  known: { nightStarts?: ReadonlyMap<string, number>; minutesFrom?: string },
): SyncPlan {
  return planSync({
    ...(known.minutesFrom === undefined ? {} : { minutesFrom: known.minutesFrom }),
    ...(known.nightStarts === undefined ? {} : { nightStarts: known.nightStarts }),
    now,
    timeZone,
    cursorDate: addDays(localDateAt(now, timeZone), -1),
    rereadFrom: null,
    rereadDataTypes: null,
    grantedScopes: DATA_TYPE_IDS.map(
      (t) => GOOGLE_HEALTH_SCOPE_PREFIX + GOOGLE_HEALTH_DATA_TYPES[t].scope,
    ),
    unavailable: new Set(),
    history: null,
    needed: STARTER_NEEDS.forProgram(null),
    backfillDays: 60,
    rereadDays: 3,
    intraday: 'roll-up',
    rereadSpentOn,
    deviceSyncNeeded: STARTER_NEEDS.deviceSyncForProgram(null),
  });
}
