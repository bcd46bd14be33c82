import { Global, Module } from '@nestjs/common';
import { InFlightWork } from './in-flight-work';

@Global()
@Module({ providers: [InFlightWork], exports: [InFlightWork] })
export class LifecycleModule {}
