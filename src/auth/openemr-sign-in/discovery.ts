/** The parts of OpenEMR's `.well-known/openid-configuration` Vigil relies on. */
export interface AuthorizationServer {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export type DiscoveryCheck =
  { ok: true; server: AuthorizationServer } | { ok: false; problem: string };

/** The configured issuer without a trailing slash, as OpenEMR writes it in `iss`. */
export const normalIssuer = (issuer: string): string => issuer.replace(/\/+$/, '');

export const discoveryUrl = (issuer: string): string =>
  `${normalIssuer(issuer)}/.well-known/openid-configuration`;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http only when the issuer itself is plain http on this machine. */
function endpointProblem(name: string, value: unknown, issuer: URL): string | null {
  if (typeof value !== 'string') return `${name} is missing`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a URL`;
  }
  if (url.protocol === 'https:') return null;
  const localIssuer = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
  return url.protocol === 'http:' && localIssuer && LOOPBACK_HOSTS.has(url.hostname)
    ? null
    : `${name} must be https`;
}

const listed = (value: unknown, item: string): boolean =>
  Array.isArray(value) && value.includes(item);

/**
 * Validates a discovery document against the configured issuer (OpenID
 * Connect Discovery 1.0, 4.3: the `issuer` must be the one asked for, or a
 * tampered document could point sign-in anywhere).
 */
export function checkDiscovery(document: unknown, configuredIssuer: string): DiscoveryCheck {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return { ok: false, problem: 'the discovery document is not a JSON object' };
  const doc = document as Record<string, unknown>;
  const issuer = normalIssuer(configuredIssuer);
  if (typeof doc.issuer !== 'string' || normalIssuer(doc.issuer) !== issuer)
    return { ok: false, problem: `issuer ${String(doc.issuer)} is not ${issuer}` };
  const issuerUrl = new URL(issuer);
  for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
    const problem = endpointProblem(name, doc[name], issuerUrl);
    if (problem) return { ok: false, problem };
  }
  if (
    doc.id_token_signing_alg_values_supported !== undefined &&
    !listed(doc.id_token_signing_alg_values_supported, 'RS256')
  )
    return { ok: false, problem: 'id_token_signing_alg_values_supported lacks RS256' };
  if (
    doc.code_challenge_methods_supported !== undefined &&
    !listed(doc.code_challenge_methods_supported, 'S256')
  )
    return { ok: false, problem: 'code_challenge_methods_supported lacks S256 (PKCE)' };
  return {
    ok: true,
    server: {
      issuer: doc.issuer,
      authorizationEndpoint: doc.authorization_endpoint as string,
      tokenEndpoint: doc.token_endpoint as string,
      jwksUri: doc.jwks_uri as string,
    },
  };
}

/** The keys of a JWKS document; null when it is not one. */
export function jwksKeys(document: unknown): Record<string, unknown>[] | null {
  if (typeof document !== 'object' || document === null) return null;
  const keys = (document as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 100) return null;
  return keys.filter(
    (key): key is Record<string, unknown> => typeof key === 'object' && key !== null,
  );
}
