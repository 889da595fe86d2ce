/**
 * `npm run reliability -- matrix [--project dir]`: the derived authorization matrix on a fresh local
 * cloud (free loopback port, temp data dir, TLS verified, a clock the matrix can set back).
 * Exits 1 when any case's outcome differs from what the rules allow.
 */
import { startLocalCloud } from '../../src/local/testing.js';
import type { Logger } from '../../src/local/core/logger.js';
import { OffsetClock } from './identities.js';
import { formatReport, runMatrix } from './run_matrix.js';

const errorsOnly: Logger = { info: () => {}, warn: () => {}, error: (m) => console.error(`[local-cloud] ${m}`), child: () => errorsOnly };

export async function runMatrixCommand(opts: { projectDir: string; caDir: string; models?: string[]; everyCase?: boolean; lambdaToken?: string }): Promise<number> {
  const clock = new OffsetClock();
  const cloud = await startLocalCloud({ projectDir: opts.projectDir, caDir: opts.caDir, port: 0, clock, log: errorsOnly });
  try {
    const report = await runMatrix(
      { endpoint: cloud.url, outputs: cloud.outputs, model: cloud.instance.model, caCertPath: cloud.caCertPath, clock, outbox: (f) => cloud.outbox(f) },
      { models: opts.models, lambdaToken: opts.lambdaToken },
    );
    console.log(`project ${opts.projectDir}`);
    console.log(formatReport(report, { everyCase: opts.everyCase }));
    return report.mismatches.length ? 1 : 0;
  } finally {
    await cloud.stop();
  }
}
