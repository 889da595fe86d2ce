import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueModel } from '../../../src/local/assembly/model.js';
import type { IssuedCredentials } from '../../../src/local/core/registry.js';
import type { QueuesService } from '../../../src/local/queues/index.js';
import { inProcessHandler } from '../messaging/in_process_handler.js';
import { ACCOUNT, REGION } from '../functions/helpers.js';
import type { ManualClock } from '../../../src/local/core/clock.js';

export const ENDPOINT = 'https://127.0.0.1:20002';

/** A queue as the loader reads it from a template, SQS's defaults unless overridden. */
export function queue(name: string, overrides: Partial<QueueModel> = {}): QueueModel {
  return {
    logicalId: name.replace(/[^A-Za-z0-9]/g, ''),
    name,
    arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
    url: `\${LOCAL_ENDPOINT}/${ACCOUNT}/${name}`,
    fifo: name.endsWith('.fifo'),
    contentBasedDeduplication: false,
    visibilityTimeoutSeconds: 30,
    messageRetentionSeconds: 345_600,
    delaySeconds: 0,
    receiveMessageWaitTimeSeconds: 0,
    maximumMessageSize: 262_144,
    ...overrides,
  };
}

export const urlOf = (name: string) => `${ENDPOINT}/${ACCOUNT}/${name}`;

/** The SDK's own SQS client (JSON 1.0, MD5 checks on) handing requests to the service in-process. */
export function sqsClient(service: QueuesService, creds: IssuedCredentials, clock: ManualClock): SQSClient {
  return new SQSClient({
    region: REGION,
    endpoint: ENDPOINT,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    requestHandler: inProcessHandler((req) => {
      if (!service.matches(req, new URL(req.url))) throw new Error(`the queues service does not match ${req.url}`);
      return service.fetch(req);
    }),
    systemClockOffset: clock.now() - Date.now(),
    maxAttempts: 1,
  });
}
