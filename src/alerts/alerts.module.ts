import { Module } from '@nestjs/common';
import { AlertService } from './alert-service';
import { AlertsController } from './alerts.controller';
import { EvaluationListener } from './evaluation-listener';

/** Alerts: the lifecycle of rule outcomes, staff actions, and their history. */
@Module({
  providers: [AlertService, EvaluationListener],
  controllers: [AlertsController],
  exports: [AlertService],
})
export class AlertsModule {}
