import { describe, expect, it } from 'vitest';
import { synthFailureResolution } from '../../../src/local/assembly/synth_hints.js';

describe('what a failed synthesis tells the user to do', () => {
  it('points at the missing lock file, not at amplify/, when defineFunction cannot bundle', () => {
    // The lines a Gen 2 backend with a function prints in a project without package-lock.json.
    const output = [
      'AmplifyError [NodeJSFunctionConstructInitializationError]: Failed to instantiate nodejs function construct',
      '  cause: «CannotFindPackageLockFile» Cannot find a package lock file (`pnpm-lock.yaml`, `yarn.lock`, `bun.lockb`, `bun.lock` or `package-lock.json`). Please specify it with `depsLockFilePath`.',
    ].join('\n');
    expect(synthFailureResolution(output)).toMatch(/no lock file.*run `npm install`/);
  });

  it('points at missing dependencies', () => {
    expect(synthFailureResolution("Error [ERR_MODULE_NOT_FOUND]: Cannot find package '@aws-amplify/backend' imported from /app/amplify/backend.ts")).toMatch(/dependencies are not installed/);
  });

  it("otherwise says to fix the backend's code", () => {
    expect(synthFailureResolution("amplify/data/resource.ts(3,1): error TS2304: Cannot find name 'a'.")).toMatch(/Fix the error above in amplify\//);
  });
});
