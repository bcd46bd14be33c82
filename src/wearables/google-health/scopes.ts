import { GOOGLE_HEALTH_SCOPE_PREFIX } from './data-types';

/** The Google Health scopes Vigil asks for, in the order the consent page lists them. */
export const GOOGLE_HEALTH_SCOPES = {
  activity: `${GOOGLE_HEALTH_SCOPE_PREFIX}activity_and_fitness.readonly`,
  measurements: `${GOOGLE_HEALTH_SCOPE_PREFIX}health_metrics_and_measurements.readonly`,
  sleep: `${GOOGLE_HEALTH_SCOPE_PREFIX}sleep.readonly`,
  settings: `${GOOGLE_HEALTH_SCOPE_PREFIX}settings.readonly`,
} as const;

/**
 * What the starter rules read (steps and active minutes; heart rate, HRV, SpO2,
 * weight...; sleep) plus settings for the patient's time zone.
 */
export const REQUESTED_SCOPES: readonly string[] = Object.values(GOOGLE_HEALTH_SCOPES);

/** Scopes that let Vigil read health data; settings alone is not useful. */
export const DATA_SCOPES: readonly string[] = [
  GOOGLE_HEALTH_SCOPES.activity,
  GOOGLE_HEALTH_SCOPES.measurements,
  GOOGLE_HEALTH_SCOPES.sleep,
];

/** Splits Google's space-separated `scope` field, keeping only scopes Vigil knows, in its order. */
export function grantedScopes(scopeField: string | undefined): string[] {
  const granted = new Set((scopeField ?? '').split(/\s+/).filter(Boolean));
  return REQUESTED_SCOPES.filter((scope) => granted.has(scope));
}

export function grantsAnyData(scopes: readonly string[]): boolean {
  return scopes.some((scope) => DATA_SCOPES.includes(scope));
}

const LABELS: Record<string, string> = {
  [GOOGLE_HEALTH_SCOPES.activity]: 'activity',
  [GOOGLE_HEALTH_SCOPES.measurements]: 'measurements',
  [GOOGLE_HEALTH_SCOPES.sleep]: 'sleep',
  [GOOGLE_HEALTH_SCOPES.settings]: 'settings',
};

/** Short name of a scope for staff and the API (`activity`, `sleep`...). */
export function scopeLabel(scope: string): string {
  return LABELS[scope] ?? scope;
}
