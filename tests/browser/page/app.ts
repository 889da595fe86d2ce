/**
 * The browser side of tests/browser: a small app built on the real `aws-amplify` v6 client (bundled
 * for the browser, so Storage uses its XHR transfer handler, which reports upload progress) and
 * `configureAmplify` from src/client. The test drives it through `window.localCloudApp`.
 */
import { Amplify } from 'aws-amplify';
import { confirmSignUp, fetchAuthSession, signIn, signOut, signUp } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { downloadData, getProperties, getUrl, uploadData } from 'aws-amplify/storage';
import { Hub } from 'aws-amplify/utils';
import type { Schema } from '../../../amplify/data/resource.js';
import { configureAmplify, withStorageEndpoint } from '../../../src/client/index.js';

export interface Progress {
  transferredBytes: number;
  totalBytes?: number;
}

export interface UploadReport {
  path: string;
  /** ETag reported by getProperties after the upload (a multipart object's ends in `-<parts>`). */
  eTag?: string;
  size?: number;
  progress: Progress[];
  sha256: string;
}

export interface RealtimeReport {
  createdId: string;
  received: { id: string; token: string; owner?: string | null };
}

/** The v6 client dispatches this on the `api` Hub channel when the server sends `start_ack` (not exported). */
const SUBSCRIPTION_ACK = 'Subscription ack';

function deadline<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Deterministic content with some variation, so a reordered or truncated part changes the digest. */
function patterned(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 12)) & 0xff;
  return bytes;
}

async function sha256(data: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

const app = {
  configure(outputs: Parameters<typeof configureAmplify>[0]): { userPoolEndpoint?: string } {
    configureAmplify(outputs);
    return { userPoolEndpoint: Amplify.getConfig().Auth?.Cognito.userPoolEndpoint };
  },

  async signUp(email: string, password: string, phoneNumber: string): Promise<string> {
    const res = await signUp({ username: email, password, options: { userAttributes: { email, phone_number: phoneNumber } } });
    return res.nextStep.signUpStep;
  },

  async confirmSignUp(email: string, code: string): Promise<string> {
    const res = await confirmSignUp({ username: email, confirmationCode: code });
    return res.nextStep.signUpStep;
  },

  async signIn(email: string, password: string): Promise<{ isSignedIn: boolean; identityId?: string; hasIdToken: boolean; issuer?: string }> {
    const res = await signIn({ username: email, password });
    const session = await fetchAuthSession();
    const issuer = session.tokens?.idToken?.payload.iss;
    return { isSignedIn: res.isSignedIn, identityId: session.identityId, hasIdToken: Boolean(session.tokens?.idToken), issuer };
  },

  /** A GraphQL query through the generated client: the signed-in user's Device tokens. */
  async listDeviceTokens(): Promise<{ tokens: string[]; errors?: string }> {
    const res = await generateClient<Schema>().models.Device.list();
    return { tokens: res.data.map((d) => d.token), errors: res.errors ? JSON.stringify(res.errors) : undefined };
  },

  async signOut(): Promise<void> {
    await signOut();
  },

  /** Uploads `size` patterned bytes with `uploadData`, recording every progress event. */
  async upload(path: string, size: number): Promise<UploadReport> {
    const data = patterned(size);
    const progress: Progress[] = [];
    const task = uploadData({
      path,
      data,
      options: withStorageEndpoint({
        contentType: 'application/octet-stream',
        onProgress: (p: Progress) => void progress.push({ transferredBytes: p.transferredBytes, totalBytes: p.totalBytes }),
      }),
    });
    const result = await task.result;
    const props = await getProperties({ path: result.path, options: withStorageEndpoint() });
    return { path: result.path, eTag: props.eTag, size: props.size, progress, sha256: await sha256(data) };
  },

  async download(path: string): Promise<{ size: number; sha256: string; contentType?: string }> {
    const res = await downloadData({ path, options: withStorageEndpoint() }).result;
    const bytes = await (await res.body.blob()).arrayBuffer();
    return { size: bytes.byteLength, sha256: await sha256(bytes), contentType: res.contentType };
  },

  /** Draws a PNG on a canvas, uploads it, and shows it in an <img> through a presigned getUrl. */
  async uploadImage(path: string): Promise<{ size: number; naturalWidth: number; urlHost: string }> {
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const g = canvas.getContext('2d')!;
    g.fillStyle = '#f90';
    g.fillRect(0, 0, 64, 48);
    const png = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob failed'))), 'image/png'));
    await uploadData({ path, data: png, options: withStorageEndpoint({ contentType: 'image/png' }) }).result;
    const { url } = await getUrl({ path, options: withStorageEndpoint({ validateObjectExistence: true }) });
    const img = document.createElement('img');
    await deadline(
      20_000,
      'image load',
      new Promise<void>((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error(`the presigned URL did not load as an image: ${url.href}`));
        img.src = url.href;
      }),
    );
    document.body.append(img);
    return { size: png.size, naturalWidth: img.naturalWidth, urlHost: url.host };
  },

  /**
   * Subscribes to `onCreate` of the signed-in user's Device model, waits for the server's start_ack,
   * creates a Device and resolves with the event the subscription delivered (over wss).
   */
  async realtimeDevice(token: string): Promise<RealtimeReport> {
    const client = generateClient<Schema>();
    const received: RealtimeReport['received'][] = [];
    let onEvent: () => void = () => undefined;
    let acked!: () => void;
    const ack = new Promise<void>((resolve) => (acked = resolve));
    const stopHub = Hub.listen('api', ({ payload }) => {
      if (payload.event === SUBSCRIPTION_ACK && JSON.stringify(payload.data ?? {}).includes('onCreateDevice')) acked();
    });
    let failed: (err: unknown) => void = () => undefined;
    const subscriptionError = new Promise<never>((_, reject) => (failed = reject));
    const sub = client.models.Device.onCreate().subscribe({
      next: (d) => {
        received.push({ id: d.id, token: d.token, owner: d.owner });
        onEvent();
      },
      error: (err: unknown) => failed(new Error(`subscription error: ${JSON.stringify(err)}`)),
    });
    try {
      await deadline(20_000, 'start_ack for onCreateDevice', Promise.race([ack, subscriptionError]));
      const created = await client.models.Device.create({ token, platform: 'FCM' });
      if (!created.data) throw new Error(`createDevice failed: ${JSON.stringify(created.errors)}`);
      const id = created.data.id;
      const event = new Promise<RealtimeReport['received']>((resolve) => {
        const check = () => {
          const hit = received.find((r) => r.id === id);
          if (hit) resolve(hit);
        };
        onEvent = check;
        check();
      });
      return { createdId: id, received: await deadline(20_000, 'onCreateDevice event', Promise.race([event, subscriptionError])) };
    } finally {
      sub.unsubscribe();
      stopHub();
    }
  },

  /** A plain cross-origin fetch to the GraphQL endpoint without credentials: what can the page read? */
  async unauthenticatedGraphql(url: string): Promise<{ status: number; errorType?: string; body: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { listDevices { items { id } } }' }),
    });
    const body = await res.text();
    let errorType: string | undefined;
    try {
      errorType = (JSON.parse(body) as { errors?: { errorType?: string }[] }).errors?.[0]?.errorType;
    } catch {
      // not JSON: leave errorType unset
    }
    return { status: res.status, errorType, body };
  },

  /** GET `url` cross-origin: the status, or the network error (an untrusted certificate is one). */
  async probe(url: string): Promise<{ status?: number; error?: string }> {
    try {
      return { status: (await fetch(url)).status };
    } catch (err) {
      return { error: String(err) };
    }
  },
};

export type LocalCloudApp = typeof app;

declare global {
  interface Window {
    localCloudApp?: LocalCloudApp;
  }
}

window.localCloudApp = app;
