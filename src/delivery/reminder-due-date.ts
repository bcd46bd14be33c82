import { addDays } from '../time';

/**
 * Due `dueInDays` after the evaluated day, but never before today: a backfill
 * or a late sync can fire an alert for a past day, and a reminder that is
 * already overdue when it arrives tells staff nothing about urgency.
 */
export function reminderDueDate(
  evaluatedOn: string,
  dueInDays: number,
  clinicToday: string,
): string {
  const due = addDays(evaluatedOn, dueInDays);
  return due < clinicToday ? clinicToday : due;
}
