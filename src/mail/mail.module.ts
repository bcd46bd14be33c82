import { Global, Module, OnModuleDestroy } from '@nestjs/common';
import { Mailer } from './mailer';

@Global()
@Module({ providers: [Mailer], exports: [Mailer] })
export class MailModule implements OnModuleDestroy {
  constructor(private readonly mailer: Mailer) {}

  onModuleDestroy(): void {
    this.mailer.close();
  }
}
