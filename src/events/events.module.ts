import { Global, Module } from '@nestjs/common';
import { EventRelay } from './event-relay';
import { PendingEvents } from './pending-events.repository';

@Global()
@Module({ providers: [PendingEvents, EventRelay], exports: [PendingEvents] })
export class EventsModule {}
