/**
 * Convention: a model value containing this literal marker stands for the local cloud's endpoint
 * (`https://127.0.0.1:<port>`), which is not known when the assembly is loaded (port 0 picks a free
 * port at start). The loader emits it wherever AWS would have a service URL — the AppSync
 * `GraphQLUrl` (`${LOCAL_ENDPOINT}/graphql`) and anything derived from it: stack outputs, function
 * environment (AMPLIFY_DATA_GRAPHQL_ENDPOINT), resolver templates. Whoever hands a value to a client
 * or a function substitutes it with the running endpoint (the functions service does it for env).
 */
export const LOCAL_ENDPOINT = '${LOCAL_ENDPOINT}';
