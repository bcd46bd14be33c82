import { addDays, startOfLocalDay, type LocalDate } from '../../time';
import type { EvaluationDay } from '../engine/rule-evaluator';

/**
 * A local date as the engine reads it: facts count days back from `date`, and
 * the days-since-sync facts count up to the last millisecond of that day.
 * Live evaluation and the backtest both build their days here.
 */
export function evaluationDay(date: LocalDate, timeZone: string): EvaluationDay {
  const key = `${timeZone} ${date}`;
  let day = evaluationDays.get(key);
  if (!day) {
    // A daily run asks for the same few dates and zones for every patient: remember them.
    if (evaluationDays.size >= 10_000) evaluationDays.clear();
    day = { date, asOf: new Date(startOfLocalDay(addDays(date, 1), timeZone).getTime() - 1) };
    evaluationDays.set(key, day);
  }
  return day;
}

const evaluationDays = new Map<string, EvaluationDay>();
