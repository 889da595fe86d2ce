import type { generateClient } from 'aws-amplify/data';
import type { Schema } from '../../../amplify/data/resource.js';

/** The typed data client (`generateClient<Schema>()`, created once signed in) and the model types the views show. */
export type DataClient = ReturnType<typeof generateClient<Schema>>;
export type Post = Schema['Post']['type'];
export type Comment = Schema['Comment']['type'];

/**
 * The data client reports GraphQL errors in the result instead of throwing; the views want a throw,
 * so that the form's status line shows the message (e.g. AppSync's `Unauthorized`).
 */
export function must<T>(result: { data: T | null; errors?: readonly { message: string }[] }): T {
  if (result.errors?.length || result.data === null) {
    throw new Error(result.errors?.map((e) => e.message).join('; ') ?? 'no data returned');
  }
  return result.data;
}
