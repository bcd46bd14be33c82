import { EventEmitter2 } from '@nestjs/event-emitter';
import type { VigilApp } from '../../src/bootstrap';
import { PATIENT_EVALUATED, type RulesEvaluated } from '../../src/events/contracts';
import { RuleOutcomes } from '../../src/rules/rule-outcomes.repository';
import { addDays, type LocalDate } from '../../src/time';

type Result = RulesEvaluated['outcomes'][number]['result'];
const RESULTS: Record<string, Result> = { t: 'true', f: 'false', '-': 'insufficient_data' };

/**
 * Replays a rule's outcomes for one patient as the daily run records them:
 * `pattern` holds one day each from `start` (t true, f false, - insufficient
 * data); each day's outcome is stored, then announced so the alerts step.
 * Days before `fromDay` are skipped (already replayed).
 */
export async function replayDailyRun(
  vigil: VigilApp,
  run: { pid: number; ruleId: string; ruleVersion: number; start: LocalDate },
  pattern: string,
  fromDay = 0,
): Promise<void> {
  const { pid, ruleId, ruleVersion, start } = run;
  for (let i = fromDay; i < pattern.length; i++) {
    const date = addDays(start, i);
    const result = RESULTS[pattern[i]];
    await vigil.app.get(RuleOutcomes).upsert([
      {
        pid,
        ruleId,
        ruleVersion,
        date,
        result,
        facts: '{}',
        message: 'Resting heart rate rise. For clinician review.',
        evaluatedAt: new Date(),
        alertsAppliedAt: null,
      },
    ]);
    await vigil.app.get(EventEmitter2).emitAsync(PATIENT_EVALUATED, {
      pid,
      days: [
        { pid, date, outcomes: [{ rule: ruleId, ruleVersion, result, facts: {}, message: 'x' }] },
      ],
    });
  }
}
