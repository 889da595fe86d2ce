/** The backend's amplify_outputs.json, resolved by vite.config.ts (AMPLIFY_OUTPUTS or the repository's file). */
declare module 'virtual:amplify-outputs' {
  const outputs: Parameters<typeof import('../../../src/client/index.js').configureAmplify>[0];
  export default outputs;
}
