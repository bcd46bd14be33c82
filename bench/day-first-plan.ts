import { planSync, type SyncPlan } from '../src/ingest/sync-plan';
import { addDays, localDateAt } from '../src/time';
import {
  DATA_TYPE_IDS,
  GOOGLE_HEALTH_DATA_TYPES,
  GOOGLE_HEALTH_SCOPE_PREFIX,
} from '../src/wearables/google-health/data-types';

/**
 * The requests of a day's first incremental sync (charts + starter rules, all
 * scopes granted, re-reading 3 days by roll-up), as the benches replay it.
 */
export function dayFirstSyncPlan(now: number, timeZone: string): SyncPlan {
  return planSync({
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
    needed: [
      'daily-resting-heart-rate',
      'daily-heart-rate-variability',
      'daily-oxygen-saturation',
      'sleep',
      'steps',
      'heart-rate',
      'weight',
    ],
    backfillDays: 60,
    rereadDays: 3,
    intraday: 'roll-up',
    rereadSpentOn: null,
    deviceSyncNeeded: true,
  });
}
