import { Module } from '@nestjs/common';
import { RoutingOutbox } from '../delivery/outbox';
import { OutboxModule } from '../delivery/outbox.module';
import { ALERT_OUTBOX } from './alert-outbox';
import { AlertQueries } from './alert-queries';
import { AlertRepository } from './alert.repository';
import { AlertService } from './alert-service';
import { AlertsController } from './alerts.controller';
import { EvaluationListener } from './evaluation-listener';
import { MonitoringListener } from './monitoring-listener';
import { RulesModule } from '../rules/rules.module';
import { PatientsModule } from '../patients/patients.module';

/** Alerts: the lifecycle of rule outcomes, staff actions, and their history. */
@Module({
  imports: [RulesModule, PatientsModule, OutboxModule],
  providers: [
    AlertRepository,
    AlertService,
    AlertQueries,
    EvaluationListener,
    MonitoringListener,
    // The outbox port, implemented by delivery: alerts never import delivery's tables.
    { provide: ALERT_OUTBOX, useClass: RoutingOutbox },
  ],
  controllers: [AlertsController],
  exports: [AlertService, AlertQueries, AlertRepository],
})
export class AlertsModule {}
