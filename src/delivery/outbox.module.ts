import { Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox table alone, so alerts (which write to it through their port) and
 * delivery (which works through it) share one repository without importing
 * each other's modules.
 */
@Module({ providers: [OutboxRepository], exports: [OutboxRepository] })
export class OutboxModule {}
