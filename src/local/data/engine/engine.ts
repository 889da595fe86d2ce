import type { CreateGraphqlEngineOptions, LocalGraphqlEngine } from './types.js';

/** Builds the engine: opens the DynamoDB store, parses every template once, builds the schema. */
export async function createGraphqlEngine(_opts: CreateGraphqlEngineOptions): Promise<LocalGraphqlEngine> {
  throw new Error('createGraphqlEngine: not implemented yet');
}
