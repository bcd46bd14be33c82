import { Module } from '@nestjs/common';
import { RuleQualityModule } from '../../rule-quality/rule-quality.module';
import { RuleQualityPageController } from './rule-quality-page.controller';

@Module({
  imports: [RuleQualityModule],
  controllers: [RuleQualityPageController],
})
export class RuleQualityPageModule {}
