import { Module } from '@nestjs/common';
import { PatientsModule } from '../patients/patients.module';
import { RulesModule } from '../rules/rules.module';
import { BacktestController } from './backtest.controller';
import { RuleBacktests } from './rule-backtests.service';

/**
 * Backtests replay a rule (Rules) through the alert state machine (Alerts)
 * over stored history, so they sit above both: Rules never imports Alerts.
 */
@Module({
  imports: [RulesModule, PatientsModule],
  providers: [RuleBacktests],
  controllers: [BacktestController],
})
export class BacktestModule {}
