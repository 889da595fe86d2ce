import { createRequire } from 'node:module';
import type { Stack } from 'aws-cdk-lib';

// cdk-nag is a CommonJS (jsii) package whose named exports Node's ESM loader cannot detect.
const { NagSuppressions } = createRequire(import.meta.url)('cdk-nag') as typeof import('cdk-nag');

/**
 * cdk-nag (AwsSolutions) findings we accept, each with its reason. The checks themselves run in
 * the test suite over every stack; anything not listed here fails the tests.
 */
export function suppressNagFindings(root: Stack): void {
  void root;
  void NagSuppressions;
}
