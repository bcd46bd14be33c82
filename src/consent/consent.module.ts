import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { PatientsModule } from '../patients/patients.module';
import { WearablesModule } from '../wearables/wearables.module';
import { ConsentFlow } from './consent-flow';
import { ConsentPagesController } from './consent-pages.controller';
import { ConsentStaffController } from './consent-staff.controller';
import { Disconnections } from './disconnections';
import { InvitationDelivery } from './invitation-delivery';
import { InvitationRepository } from './invitation.repository';
import { Invitations } from './invitations';
import { OAuthAttemptRepository } from './oauth-attempt.repository';

@Module({
  imports: [PatientsModule, WearablesModule, IngestModule],
  providers: [
    InvitationRepository,
    OAuthAttemptRepository,
    Invitations,
    InvitationDelivery,
    ConsentFlow,
    Disconnections,
  ],
  controllers: [ConsentPagesController, ConsentStaffController],
  exports: [Invitations, Disconnections],
})
export class ConsentModule {}
