/**
 * What an app (React Native, web, Node) imports to talk to either the deployed backend or the local
 * cloud from the same `amplify_outputs.json`: `configureAmplify(outputs)` and the Storage option helper.
 */
import { Amplify, type ResourcesConfig } from 'aws-amplify';

/** The part of `custom.local` the client needs (written by the local cloud into amplify_outputs.json). */
export interface LocalEndpoints {
  endpoint: string;
  user_pool_endpoint: string;
  identity_pool_endpoint: string;
  /** `host:port`, the form Storage's per-call `customEndpoint` option takes. */
  storage_endpoint: string;
  admin_endpoint?: string;
  ca_certificate_path?: string;
}

type Outputs = Parameters<typeof Amplify.configure>[0] & { custom?: Record<string, unknown> };

let storageEndpoint: string | undefined;

/** `custom.local` of an outputs document, when it was written by the local cloud. */
export function localEndpoints(outputs: unknown): LocalEndpoints | undefined {
  const local = (outputs as { custom?: { local?: Partial<LocalEndpoints> } } | undefined)?.custom?.local;
  if (!local || typeof local.endpoint !== 'string') return undefined;
  return {
    endpoint: local.endpoint,
    user_pool_endpoint: local.user_pool_endpoint ?? local.endpoint,
    identity_pool_endpoint: local.identity_pool_endpoint ?? local.endpoint,
    storage_endpoint: local.storage_endpoint ?? new URL(local.endpoint).host,
    admin_endpoint: local.admin_endpoint,
    ca_certificate_path: local.ca_certificate_path,
  };
}

/**
 * `Amplify.configure(outputs)`, plus — for local-cloud outputs — the Cognito endpoints, which
 * `Amplify.configure` never reads from the file: the resolved config is read back and re-applied
 * with `userPoolEndpoint` / `identityPoolEndpoint` added. Deployed outputs are configured unchanged.
 */
export function configureAmplify(outputs: Outputs, libraryOptions?: Parameters<typeof Amplify.configure>[1]): void {
  Amplify.configure(outputs, libraryOptions);
  const local = localEndpoints(outputs);
  storageEndpoint = local?.storage_endpoint;
  if (!local) return;
  const config = Amplify.getConfig();
  const cognito = config.Auth?.Cognito;
  if (!cognito) return;
  const withEndpoints = {
    ...cognito,
    userPoolEndpoint: local.user_pool_endpoint,
    identityPoolEndpoint: local.identity_pool_endpoint,
  };
  // Omitted libraryOptions keep the ones of the first call (aws-amplify preserves them on reconfigure).
  Amplify.configure({ ...config, Auth: { ...config.Auth, Cognito: withEndpoints } } as ResourcesConfig, libraryOptions);
}

/**
 * Options to spread into Storage calls (uploadData, downloadData, getUrl, list, remove, getProperties,
 * copy): `{ customEndpoint }` for the local cloud, `{}` for a deployed backend.
 * The Storage category has no global endpoint setting that works in v6, so it is per call.
 */
export function storageOptions(): { customEndpoint?: string } {
  return storageEndpoint ? { customEndpoint: storageEndpoint } : {};
}

/**
 * Adds the local storage endpoint to a Storage call's `options`. The result keeps the caller's option
 * type: `customEndpoint` is read by the v6 client at run time but is not part of its public types.
 */
export function withStorageEndpoint<T extends object = Record<string, never>>(options?: T): T {
  return { ...(options ?? {}), ...storageOptions() } as T;
}
