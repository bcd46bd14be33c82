import { Global, Module } from '@nestjs/common';
import { OUTCOME_STEPS } from '../rules/outcome-steps';
import { AlertStepsDue } from './alert-steps-due.repository';

/**
 * The alert steps' queue, and the port through which the rules feature
 * records work in it (OUTCOME_STEPS). Global because the rules module, which
 * the alerts module imports, needs the port: this way neither imports the
 * other's module for it.
 */
@Global()
@Module({
  providers: [AlertStepsDue, { provide: OUTCOME_STEPS, useExisting: AlertStepsDue }],
  exports: [AlertStepsDue, OUTCOME_STEPS],
})
export class AlertStepsModule {}
