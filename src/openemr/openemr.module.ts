import { Module } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { Environment } from '../config/environment';
import { JsonLogger } from '../logging/json-logger';
import { OpenEmrDatabase } from './openemr-database';
import { OpenEmrDirectory } from './openemr-directory';
import { PortalMail } from './portal-mail';

/** OpenEMR's database (delivery mode "database") and the lookups Vigil makes in it. */
@Module({
  providers: [
    {
      provide: OpenEmrDatabase,
      useFactory: OpenEmrDatabase.fromEnvironment,
      inject: [Environment],
    },
    {
      provide: OpenEmrDirectory,
      useFactory: (db: OpenEmrDatabase, logger: JsonLogger) =>
        new OpenEmrDirectory(db, logger.forContext('OpenEmrDirectory')),
      inject: [OpenEmrDatabase, JsonLogger],
    },
    {
      provide: PortalMail,
      useFactory: (db: OpenEmrDatabase, audit: AuditTrail, env: Environment) =>
        new PortalMail(db, audit, env.OPENEMR_SERVICE_USERNAME, env.CLINIC_TIME_ZONE),
      inject: [OpenEmrDatabase, AuditTrail, Environment],
    },
  ],
  exports: [OpenEmrDatabase, OpenEmrDirectory, PortalMail],
})
export class OpenEmrModule {}
