/**
 * The messiness of real devices, given to a share of the cohort unless the
 * simulator runs clean: each user's habits are scenarios derived from the
 * seed, so the same seed always gives the same mess. A real study export had
 * all of these (issue 16): streams that start and stop at different times per
 * type, zero-step intervals, points listed twice, points stamped with the
 * offset from before a DST change, and days that arrive late.
 */
import { createRandom } from './prng';
import { Scenario, SimulatedStream } from './scenarios';
import { addDays } from '../time';

const LATE_STREAMS: readonly SimulatedStream[] = ['weight', 'sleep', 'steps'];
const PAUSED_STREAMS: readonly SimulatedStream[] = ['steps', 'heart-rate', 'sleep'];

/**
 * A user's habits. Everything falls within the first 50 days of history
 * (a paused stream has started again by then), except duplicates, zero-step
 * intervals, stale offsets and late days, which can fall on any day.
 */
export function messyHabits(seed: string, userIndex: number, historyStartDate: string): Scenario[] {
  const random = createRandom(seed, 'habits', userIndex);
  const day = (min: number, max: number): string => addDays(historyStartDate, random.int(min, max));
  const habits: Scenario[] = [];
  if (random.chance(0.25)) habits.push({ kind: 'zero-step-intervals' });
  if (random.chance(0.2)) habits.push({ kind: 'duplicate-points', every: random.int(20, 80) });
  if (random.chance(0.5)) habits.push({ kind: 'stale-offset', hours: random.int(1, 4) });
  if (random.chance(0.35))
    habits.push({ kind: 'stream-starts', stream: random.pick(LATE_STREAMS), from: day(3, 25) });
  if (random.chance(0.12)) {
    const from = day(7, 30);
    habits.push({
      kind: 'stream-stops',
      stream: random.pick(PAUSED_STREAMS),
      from,
      until: addDays(from, random.int(4, 10)),
    });
  }
  if (random.chance(0.3)) {
    for (let i = random.int(1, 3); i > 0; i--)
      habits.push({ kind: 'late-day', date: day(0, 120), lagDays: random.int(1, 3) });
  }
  return habits;
}
