import type { Environment } from '../../config/environment';
import type { SecretStore } from '../../crypto/secret-store';
import { OpenEmrApiClient } from './openemr-api-client';
import { authorizationLink, OpenEmrApiVault } from './openemr-api-credentials';

export interface LoginConversation {
  say(text: string): void;
  /** Asks the operator and resolves to the line they typed. */
  ask(question: string): Promise<string>;
}

/**
 * `openemr:login`: the one interactive step of api mode. Registers Vigil as a
 * confidential client if it has none, then has the service-account user sign
 * in through authorization code + PKCE; the refresh token is stored sealed.
 */
export async function openEmrLogin(
  env: Environment,
  secrets: SecretStore,
  conversation: LoginConversation,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  if (!env.OPENEMR_API_BASE_URL) {
    throw new Error('Set OPENEMR_API_BASE_URL (https://<host>/apis/<site>/api) first');
  }
  const vault = new OpenEmrApiVault(secrets);
  const client = new OpenEmrApiClient(env.OPENEMR_API_BASE_URL, vault, fetchImpl);
  const redirectUri = `${env.publicBaseUrl}/openemr/oauth/callback`;
  let credentials = await vault.read();
  if (credentials === null) {
    credentials = await client.register(redirectUri);
    conversation.say(
      `Registered Vigil with OpenEMR as client ${credentials.clientId}.\n` +
        'An OpenEMR administrator must enable it (Administration > System > API Clients).',
    );
    await conversation.ask('Press Enter once it is enabled: ');
  }
  const pending = authorizationLink(env.OPENEMR_API_BASE_URL, credentials.clientId, redirectUri);
  conversation.say(
    `Sign in as the OpenEMR user "${env.OPENEMR_SERVICE_USERNAME}" at:\n\n  ${pending.url}\n\n` +
      'OpenEMR then sends your browser to an address starting with ' +
      `${redirectUri} (the page itself may not load).`,
  );
  const answer = await conversation.ask('Paste that whole address here: ');
  await client.completeLogin(pending, answer.trim());
  conversation.say('Signed in. The refresh token is stored encrypted; Vigil renews it by itself.');
}
