import { Module } from '@nestjs/common';
import { AggregatesModule } from '../../aggregates/aggregates.module';
import { AlertsModule } from '../../alerts/alerts.module';
import { IngestModule } from '../../ingest/ingest.module';
import { PatientsModule } from '../../patients/patients.module';
import { RulesModule } from '../../rules/rules.module';
import { WearablesModule } from '../../wearables/wearables.module';
import { PatientPageController } from './patient-page.controller';
import { PatientTrends } from './patient-trends';

@Module({
  imports: [
    AggregatesModule,
    AlertsModule,
    PatientsModule,
    RulesModule,
    IngestModule,
    WearablesModule,
  ],
  controllers: [PatientPageController],
  providers: [PatientTrends],
})
export class PatientPageModule {}
