import { Module, OnModuleInit } from '@nestjs/common';
import { OutboxModule } from '../delivery/outbox.module';
import { Readiness } from '../health/readiness';
import { RulesModule } from '../rules/rules.module';
import { ParkedWork } from './parked-work';
import { WorkQueues } from './work-queues';

/** The queues of the one leased-queue mechanism together: their figures and parked work. */
@Module({
  imports: [RulesModule, OutboxModule],
  providers: [WorkQueues, ParkedWork],
  exports: [WorkQueues, ParkedWork],
})
export class WorkModule implements OnModuleInit {
  constructor(
    private readonly readiness: Readiness,
    private readonly queues: WorkQueues,
  ) {}

  onModuleInit(): void {
    // Reported, never failing: parked work needs a person, not a restart.
    this.readiness.register('work', async () => ({
      ok: true,
      detail: { failed: await this.queues.failed() },
    }));
  }
}
