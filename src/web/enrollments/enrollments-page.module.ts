import { Module } from '@nestjs/common';
import { ConsentModule } from '../../consent/consent.module';
import { IngestModule } from '../../ingest/ingest.module';
import { PatientsModule } from '../../patients/patients.module';
import { EnrollmentsPageController } from './enrollments-page.controller';

/** The staff enrollments page: enroll, invite, pause, disconnect, end. */
@Module({
  imports: [PatientsModule, ConsentModule, IngestModule],
  controllers: [EnrollmentsPageController],
})
export class EnrollmentsPageModule {}
