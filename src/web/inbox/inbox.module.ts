import { Module } from '@nestjs/common';
import { AlertsModule } from '../../alerts/alerts.module';
import { DeliveryModule } from '../../delivery/delivery.module';
import { PatientsModule } from '../../patients/patients.module';
import { InboxController } from './inbox.controller';

/** The staff alert inbox and alert pages. */
@Module({
  imports: [AlertsModule, DeliveryModule, PatientsModule],
  controllers: [InboxController],
})
export class InboxModule {}
