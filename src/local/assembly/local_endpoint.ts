/**
 * Convention: a model value containing this literal marker stands for the local cloud's endpoint
 * (`https://127.0.0.1:<port>`), which is not known when the assembly is loaded (port 0 picks a free
 * port at start). The loader emits it wherever AWS would have a service URL — the AppSync
 * `GraphQLUrl` (`${LOCAL_ENDPOINT}/graphql`) and anything derived from it: stack outputs, function
 * environment (AMPLIFY_DATA_GRAPHQL_ENDPOINT), resolver templates. Whoever hands a value to a client
 * or a function substitutes it with `withLocalEndpoint` (the functions service does it for env).
 */
export const LOCAL_ENDPOINT = '${LOCAL_ENDPOINT}';

/** Replaces every `${LOCAL_ENDPOINT}` marker in a value with the running endpoint (no trailing slash). */
export function withLocalEndpoint(value: string, endpoint: string): string {
  return value.split(LOCAL_ENDPOINT).join(endpoint.replace(/\/+$/, ''));
}

/** `withLocalEndpoint` over every value of a record (environment, stack outputs). */
export function recordWithLocalEndpoint(values: Record<string, string>, endpoint: string): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, withLocalEndpoint(v, endpoint)]));
}
