import { Module } from '@nestjs/common';
import { OpenEmrModule } from '../../openemr/openemr.module';
import { AuthModule } from '../auth.module';
import { OpenEmrAuthorizationServer } from './authorization-server';
import { OpenEmrAccounts } from './openemr-accounts';
import { OpenEmrSignIn } from './openemr-sign-in';
import { OpenEmrSignInController } from './openemr-sign-in.controller';
import { SignInAttemptRepository } from './sign-in-attempt.repository';
import { OpenEmrStaffRoles } from './staff-roles';

/** Staff sign-in with OpenEMR accounts (its routes answer "not set up" until configured). */
@Module({
  imports: [AuthModule, OpenEmrModule],
  providers: [
    SignInAttemptRepository,
    OpenEmrAuthorizationServer,
    OpenEmrStaffRoles,
    OpenEmrAccounts,
    OpenEmrSignIn,
  ],
  controllers: [OpenEmrSignInController],
})
export class OpenEmrSignInModule {}
