import { describe, expect, it } from 'vitest';
import { decodeAwsChunked } from '../../../src/local/storage/aws_chunked.js';

function streamOf(...parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(s).text();
}

describe('aws-chunked bodies', () => {
  it('decodes chunks split at arbitrary points and collects trailers', async () => {
    const trailers: Record<string, string> = {};
    const body = streamOf('5\r\nhel', 'lo\r\n6\r\n world\r', '\n0\r\nx-amz-checksum-crc32:abcd==\r\n\r\n');
    expect(await readAll(decodeAwsChunked(body, trailers))).toBe('hello world');
    expect(trailers).toEqual({ 'x-amz-checksum-crc32': 'abcd==' });
  });

  it('fails on a truncated body instead of returning partial data silently', async () => {
    await expect(readAll(decodeAwsChunked(streamOf('a\r\nshort'), {}))).rejects.toThrow();
  });
});
