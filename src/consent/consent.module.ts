import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { PatientsModule } from '../patients/patients.module';
import { WearablesModule } from '../wearables/wearables.module';
import { ConsentFlow } from './consent-flow';
import { ConsentPagesController } from './consent-pages.controller';
import { ConsentStaffController } from './consent-staff.controller';
import { Disconnections } from './disconnections';
import { InvitationDelivery } from './invitation-delivery';
import { Invitations } from './invitations';

@Module({
  imports: [PatientsModule, WearablesModule, IngestModule],
  providers: [Invitations, InvitationDelivery, ConsentFlow, Disconnections],
  controllers: [ConsentPagesController, ConsentStaffController],
  exports: [Invitations, Disconnections],
})
export class ConsentModule {}
