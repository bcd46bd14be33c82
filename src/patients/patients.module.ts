import { forwardRef, Module, OnModuleInit } from '@nestjs/common';
import { DailyAggregates } from '../aggregates/daily-aggregates.repository';
import { EnrollmentRepository } from './enrollment.repository';
import { Enrollments } from './enrollments';
import { OpenEmrDatabase } from '../openemr/openemr-database';
import { OpenEmrDirectory } from '../openemr/openemr-directory';
import { OpenEmrModule } from '../openemr/openemr.module';
import { PortalMail } from '../openemr/portal-mail';
import { patientDirectoryFor } from './openemr-patient-directory';
import { PATIENT_DIRECTORY } from './patient-directory';
import { PatientIdentities } from './patient-identities';
import { JsonLogger } from '../logging/json-logger';
import { OpenEmrPatientIdentities } from '../openemr/patient-identities';
import { PatientDataPurge } from './patient-data-purge';
import { PatientsController } from './patients.controller';
import { WearablesModule } from '../wearables/wearables.module';
import { SyncScheduleModule } from '../ingest/sync-schedule.module';

@Module({
  // Wearables read enrollments and patients read connections: each module imports the other.
  imports: [OpenEmrModule, forwardRef(() => WearablesModule), SyncScheduleModule],
  providers: [
    EnrollmentRepository,
    Enrollments,
    PatientDataPurge,
    {
      provide: PATIENT_DIRECTORY,
      useFactory: patientDirectoryFor,
      inject: [OpenEmrDatabase, OpenEmrDirectory, PortalMail],
    },
    {
      provide: PatientIdentities,
      useFactory: (db: OpenEmrDatabase, logger: JsonLogger) =>
        new PatientIdentities(
          db.isConfigured
            ? new OpenEmrPatientIdentities(db, logger.forContext('OpenEmrPatientIdentities'))
            : null,
        ),
      inject: [OpenEmrDatabase, JsonLogger],
    },
  ],
  controllers: [PatientsController],
  exports: [
    EnrollmentRepository,
    Enrollments,
    PatientDataPurge,
    PATIENT_DIRECTORY,
    PatientIdentities,
  ],
})
export class PatientsModule implements OnModuleInit {
  constructor(
    private readonly purge: PatientDataPurge,
    private readonly aggregates: DailyAggregates,
  ) {}

  onModuleInit(): void {
    // With RETENTION_ON_DISCONNECT=purge the collected days go with the connection.
    this.purge.register('daily aggregates', async (manager, enrollment) => {
      await this.aggregates.purge(enrollment.pid, manager);
    });
  }
}
