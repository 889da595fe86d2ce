/**
 * Decodes `Content-Encoding: aws-chunked` bodies (what AWS SDK v3 sends with
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`): `<hex size>[;ext]\r\n<data>\r\n` … `0\r\n<trailers>\r\n\r\n`.
 * Trailer headers (e.g. `x-amz-checksum-crc32`) are written into `trailers` once the stream ends.
 */
export function decodeAwsChunked(body: ReadableStream<Uint8Array>, trailers: Record<string, string>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let buf = Buffer.alloc(0);
  let remaining = -1; // bytes left in the current chunk; -1 = expecting a size line
  let done = false;

  const malformed = () => new Error('malformed aws-chunked body');

  async function fill(): Promise<boolean> {
    const { value, done: end } = await reader.read();
    if (end) return false;
    buf = buf.length ? Buffer.concat([buf, Buffer.from(value)]) : Buffer.from(value);
    return true;
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (done) {
          controller.close();
          return;
        }
        if (remaining === -1) {
          const nl = buf.indexOf('\r\n');
          if (nl < 0) {
            if (!(await fill())) throw malformed();
            continue;
          }
          const line = buf.subarray(0, nl).toString('latin1');
          buf = buf.subarray(nl + 2);
          const size = parseInt(line.split(';')[0], 16);
          if (!Number.isFinite(size) || size < 0) throw malformed();
          if (size === 0) {
            // Trailers until an empty line.
            for (;;) {
              const end = buf.indexOf('\r\n');
              if (end < 0) {
                if (!(await fill())) {
                  done = true;
                  break;
                }
                continue;
              }
              const t = buf.subarray(0, end).toString('latin1');
              buf = buf.subarray(end + 2);
              if (t === '') {
                done = true;
                break;
              }
              const colon = t.indexOf(':');
              if (colon > 0) trailers[t.slice(0, colon).trim().toLowerCase()] = t.slice(colon + 1).trim();
            }
            continue;
          }
          remaining = size;
          continue;
        }
        if (remaining > 0) {
          if (buf.length === 0 && !(await fill())) throw malformed();
          const take = Math.min(remaining, buf.length);
          const out = buf.subarray(0, take);
          buf = buf.subarray(take);
          remaining -= take;
          controller.enqueue(new Uint8Array(out));
          return;
        }
        // End of chunk data: expect CRLF.
        if (buf.length < 2) {
          if (!(await fill())) throw malformed();
          continue;
        }
        if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw malformed();
        buf = buf.subarray(2);
        remaining = -1;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
