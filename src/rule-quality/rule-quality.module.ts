import { Module } from '@nestjs/common';
import { RulesModule } from '../rules/rules.module';
import { RuleQualityController } from './rule-quality.controller';
import { RuleQualityHistory } from './rule-quality.repository';
import { RuleQualityReports } from './rule-quality.service';

/**
 * Rule quality reads rules (definitions, outcomes) and alerts (their history),
 * so, like the backtest, it sits above both.
 */
@Module({
  imports: [RulesModule],
  providers: [RuleQualityHistory, RuleQualityReports],
  controllers: [RuleQualityController],
  exports: [RuleQualityReports],
})
export class RuleQualityModule {}
