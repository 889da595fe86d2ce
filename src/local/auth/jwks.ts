import type { SigningKey } from './keys.js';

/**
 * The pool's public discovery documents, served under the issuer URL exactly as Cognito serves them
 * under `https://cognito-idp.<region>.amazonaws.com/<poolId>`, so any OIDC/JWT library pointed at
 * `iss` finds the key. There is no hosted UI locally, so no OAuth endpoints are advertised.
 */
export function jwksDocument(key: SigningKey): { keys: SigningKey['jwk'][] } {
  const { kid, alg, use, kty, e, n } = key.jwk;
  return { keys: [{ alg, e, kid, kty, n, use }] };
}

export function openIdConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ['RS256'],
    subject_types_supported: ['public'],
    response_types_supported: ['code', 'token'],
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  };
}

/** Which discovery document a GET path asks for, if any: `/<poolId>/.well-known/{jwks.json,openid-configuration}`. */
export function wellKnownPath(pathname: string, userPoolId: string): 'jwks' | 'openid' | undefined {
  if (pathname === `/${userPoolId}/.well-known/jwks.json`) return 'jwks';
  if (pathname === `/${userPoolId}/.well-known/openid-configuration`) return 'openid';
  return undefined;
}
