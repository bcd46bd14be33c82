import { Global, Module } from '@nestjs/common';
import { SecretStore } from './secret-store';
import { StoredSecretRepository } from './stored-secret.repository';

@Global()
@Module({ providers: [StoredSecretRepository, SecretStore], exports: [SecretStore] })
export class CryptoModule {}
