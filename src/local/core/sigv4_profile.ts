/**
 * How one protocol family applies SigV4. S3 differs from the JSON/REST services in how it encodes
 * the path, whether it trusts a declared payload hash, which headers must be signed and how it words
 * each refusal; everything else in the algorithm is shared.
 */

/**
 * `as-sent`: S3 signs the path exactly as sent (already percent-encoded once).
 * `normalized-double`: other services sign the normalised path encoded a second time.
 */
export type UriEncoding = 'as-sent' | 'normalized-double';

export interface SigV4Profile {
  /** Signing name: `s3`, `appsync`, `kinesis`, `mobiletargeting`, `lambda`, `dynamodb`... */
  service: string;
  uriEncoding: UriEncoding;
  /**
   * `declared`: trust `x-amz-content-sha256` and its payload markers, since S3 streams the body and
   * checks it afterwards; presigned URLs sign no payload. `computed`: hash the body that was sent.
   */
  payloadHashing: 'declared' | 'computed';
  /** S3 refuses `x-amz-*` headers the signature does not cover (they change what is stored). */
  requireSignedAmzHeaders: boolean;
  /** Region scope mismatch: S3 calls the header malformed, the others say the signature is wrong. */
  regionMismatch: 'malformed' | 'signature';
  /** Header-form clock skew: S3 answers in one sentence, the others name the window. */
  skewWording: 's3' | 'json';
  messages: {
    missingAuthentication: string;
    unknownAccessKey: string;
    expiredToken: string;
    invalidToken: string;
    signatureMismatch: string;
  };
}

const S3: Omit<SigV4Profile, 'service'> = {
  uriEncoding: 'as-sent',
  payloadHashing: 'declared',
  requireSignedAmzHeaders: true,
  regionMismatch: 'malformed',
  skewWording: 's3',
  messages: {
    missingAuthentication: 'Access Denied',
    unknownAccessKey: 'The AWS Access Key Id you provided does not exist in our records.',
    expiredToken: 'The provided token has expired.',
    invalidToken: 'The provided token is malformed or otherwise invalid.',
    signatureMismatch: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  },
};

const JSON_SERVICE: Omit<SigV4Profile, 'service'> = {
  uriEncoding: 'normalized-double',
  payloadHashing: 'computed',
  requireSignedAmzHeaders: false,
  regionMismatch: 'signature',
  skewWording: 'json',
  messages: {
    missingAuthentication: 'Missing Authentication Token',
    unknownAccessKey: 'The security token included in the request is invalid.',
    expiredToken: 'The security token included in the request is expired',
    invalidToken: 'The security token included in the request is invalid.',
    signatureMismatch:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
};

export function sigV4Profile(service: string): SigV4Profile {
  return { service, ...(service === 's3' ? S3 : JSON_SERVICE) };
}
