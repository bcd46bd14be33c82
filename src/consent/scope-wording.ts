import { GOOGLE_HEALTH_SCOPES } from '../wearables/google-health/scopes';

/** What each scope lets Vigil read, in words a patient understands. */
const LAY_WORDING: Record<string, string> = {
  [GOOGLE_HEALTH_SCOPES.activity]: 'Your activity: steps and active minutes',
  [GOOGLE_HEALTH_SCOPES.measurements]:
    'Your body measurements: heart rate, resting heart rate, heart rate variability, blood oxygen, breathing rate, skin temperature and weight',
  [GOOGLE_HEALTH_SCOPES.sleep]: 'Your sleep: when and how long you slept, and sleep stages',
  [GOOGLE_HEALTH_SCOPES.settings]: 'Your time zone, so days are counted the way you live them',
};

export function layWording(scope: string): string {
  return LAY_WORDING[scope] ?? 'Other data (not used by the clinic)';
}
