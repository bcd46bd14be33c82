import type { Transaction } from '../database/transactions';

/**
 * Where stored outcomes leave their alert step (the alerts feature implements
 * it: src/alerts/alert-steps-due.repository.ts). RuleEvaluations records each
 * patient in the transaction that stores the patient's outcomes, so the work
 * exists exactly when the outcomes do; `rules.patient-evaluated` after the
 * commit only wakes the step early. Rules never import alerts.
 */
export interface OutcomeSteps {
  /** Each patient now has outcomes to step; in the caller's transaction. */
  record(tx: Transaction, pids: readonly number[], at: Date): Promise<void>;
}

export const OUTCOME_STEPS = Symbol('OutcomeSteps');
