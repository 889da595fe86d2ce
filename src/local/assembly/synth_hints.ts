/**
 * What to tell the user when synthesis fails. Most failures are the backend's own code (a type or
 * runtime error in amplify/); some are the project's set-up, where "fix amplify/" would mislead.
 */
const KNOWN_CAUSES: { test: RegExp; resolution: string }[] = [
  {
    // CDK's NodejsFunction (defineFunction) finds the project root by its lock file.
    test: /Cannot find a package lock file|depsLockFilePath/,
    resolution:
      'The project has no lock file, which defineFunction needs to bundle functions: run `npm install` in the project ' +
      '(it writes package-lock.json; pnpm-lock.yaml, yarn.lock and bun.lock work too), then start again.',
  },
  {
    test: /Cannot find (module|package) '(@aws-amplify\/backend|aws-cdk-lib|constructs)[^']*'|ERR_MODULE_NOT_FOUND[^\n]*(@aws-amplify\/backend|aws-cdk-lib)/,
    resolution: "The project's dependencies are not installed: run `npm install` in the project (it needs @aws-amplify/backend and aws-cdk-lib), then start again.",
  },
];

const DEFAULT_RESOLUTION = 'Fix the error above in amplify/ and run again; `npm run typecheck` points at type errors.';

export function synthFailureResolution(output: string): string {
  return KNOWN_CAUSES.find((c) => c.test.test(output))?.resolution ?? DEFAULT_RESOLUTION;
}
