import { createHash } from 'node:crypto';
import type { BackendIdentifier } from '../assembly/synth.js';

/**
 * Where Gen 2 keeps a backend's secrets in SSM, as `@aws-amplify/platform-core`'s
 * ParameterPathConversions builds them: `/amplify/<namespace>/<name>-<type>-<hash>/<NAME>` for the
 * backend, and `/amplify/shared/<namespace>/<NAME>` shared by all of an app's backends (the fallback).
 * The backend part goes through the stack-name sanitizing, as there.
 */

const STACK_NAME_LIMIT = 128;
const HASH_LENGTH = 10;

const sanitize = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');

export function backendParameterPrefix(id: BackendIdentifier): string {
  const hash = createHash('sha512').update(id.namespace).update(id.name).digest('hex').slice(0, HASH_LENGTH);
  const name = sanitize(id.name).slice(0, 50);
  const namespaceMax = STACK_NAME_LIMIT - 'amplify'.length - id.type.length - name.length - 4 - HASH_LENGTH;
  const namespace = sanitize(id.namespace).slice(0, namespaceMax - 1);
  return `/amplify/${namespace}/${name}-${id.type}-${hash}`;
}

export function secretPath(id: BackendIdentifier, secretName: string): string {
  return `${backendParameterPrefix(id)}/${secretName}`;
}

export function sharedSecretPath(id: BackendIdentifier, secretName: string): string {
  return `/amplify/shared/${id.namespace}/${secretName}`;
}

/** What `ampx sandbox secret set` accepts as a name. */
export const SECRET_NAME = /^[a-zA-Z0-9_.-]+$/;
