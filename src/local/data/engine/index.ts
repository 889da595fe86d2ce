export * from './types.js';
export { createGraphqlEngine } from './engine.js';
