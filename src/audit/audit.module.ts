import { Global, Module } from '@nestjs/common';
import { AuditEventRepository } from './audit-event.repository';
import { AuditTrail } from './audit-trail';

@Global()
@Module({ providers: [AuditEventRepository, AuditTrail], exports: [AuditTrail] })
export class AuditModule {}
