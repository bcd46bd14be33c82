/**
 * Whether a day's step count is known. The Google Health API lists only step
 * intervals with steps in them, so "the patient did not walk" and "the step
 * stream stopped" both arrive as no points. Every Fitbit tracker counts steps
 * whenever it records heart rate, so a worn day (heart rate present) without a
 * single step point is a stream that stopped, not a patient who sat still all
 * day. Zero is kept only where the device itself reported zero-step intervals.
 */

/** Why a day's steps are unknown; null when they are known. */
export type StepsUnknownReason =
  /** The sync did not read the steps data type. */
  | 'not_read'
  /** No step points and no heart rate: nothing says the device was on. */
  | 'no_data'
  /** Heart-rate wear but no step point: the step stream is missing, not the walking. */
  | 'worn_without_step_points';

export interface StepsDay {
  /** The steps data type was read for this day. */
  stepsRead: boolean;
  /** Minutes of the day with heart rate. */
  wearMinutes: number;
  /** Step points filed under the day, zero-step intervals included. */
  stepPoints: number;
  /** Sum of those points. */
  steps: number;
}

export interface DailySteps {
  steps: number | null;
  unknownBecause: StepsUnknownReason | null;
}

export function dailySteps(day: StepsDay): DailySteps {
  if (!day.stepsRead) return { steps: null, unknownBecause: 'not_read' };
  if (day.stepPoints > 0) return { steps: day.steps, unknownBecause: null };
  return {
    steps: null,
    unknownBecause: day.wearMinutes > 0 ? 'worn_without_step_points' : 'no_data',
  };
}
