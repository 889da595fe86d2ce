import type { AuthPool } from '../pool.js';

/** One Cognito operation: validated JSON in, JSON out; CognitoError for anything Cognito would refuse. */
export type Handler = (pool: AuthPool, body: Record<string, unknown>, req: Request) => Promise<Record<string, unknown>>;

export type HandlerMap = Record<string, Handler>;
