import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { RulesModule } from '../rules/rules.module';
import { RuleQualityController } from './rule-quality.controller';
import { RuleQualityReports } from './rule-quality.service';

/**
 * Rule quality reads rules (definitions, outcomes) and alerts (their history),
 * each through its owner's repository, so, like the backtest, it sits above both.
 */
@Module({
  imports: [RulesModule, AlertsModule],
  providers: [RuleQualityReports],
  controllers: [RuleQualityController],
  exports: [RuleQualityReports],
})
export class RuleQualityModule {}
