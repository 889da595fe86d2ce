import { createSocket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/local/core/logger.js';
import { answerDnsMessage, startDnsServer, type DnsAnswerConfig, type DnsServer } from '../../../src/local/hostnames/dns.js';
import { DNS_CLASS, DNS_TYPE, encodeQuery, parseResponse, RCODE } from '../../../src/local/hostnames/dns_wire.js';
import { Rng } from '../../../reliability/fuzz/rng.js';

const SERVED = 'cognito-idp.us-east-1.amazonaws.com';
const config: DnsAnswerConfig = { serves: (n) => n === SERVED || n === 'sts.us-east-1.amazonaws.com', addresses: ['127.0.0.1'] };

function ask(packet: Buffer, cfg: DnsAnswerConfig = config, transport: 'udp' | 'tcp' = 'udp') {
  const reply = answerDnsMessage(packet, cfg, transport);
  if (!reply) throw new Error('no reply');
  return parseResponse(reply);
}

/** A query for SERVED whose header counts are then patched by the test. */
function withCounts(packet: Buffer, counts: { qd?: number; an?: number; ns?: number; ar?: number }): Buffer {
  const out = Buffer.from(packet);
  if (counts.qd !== undefined) out.writeUInt16BE(counts.qd, 4);
  if (counts.an !== undefined) out.writeUInt16BE(counts.an, 6);
  if (counts.ns !== undefined) out.writeUInt16BE(counts.ns, 8);
  if (counts.ar !== undefined) out.writeUInt16BE(counts.ar, 10);
  return out;
}

describe('answering a DNS message', () => {
  it('answers A for a served name with the address, its id, AA, RD echoed and the question as sent', () => {
    const r = ask(encodeQuery({ id: 0x1234, name: 'Cognito-IDP.US-East-1.amazonaws.com', type: DNS_TYPE.A }));
    expect(r.header).toMatchObject({ id: 0x1234, qr: true, opcode: 0, rd: true, rcode: RCODE.NOERROR, qdcount: 1, ancount: 1 });
    expect(r.aa).toBe(true);
    expect(r.ra).toBe(false);
    expect(r.questionName).toBe('Cognito-IDP.US-East-1.amazonaws.com');
    expect(r.answers).toEqual([{ name: 'Cognito-IDP.US-East-1.amazonaws.com', type: DNS_TYPE.A, ttl: 5, data: Buffer.from([127, 0, 0, 1]) }]);
  });

  it("refuses names it does not serve, including a served name's parent and child", () => {
    for (const name of ['example.com', 'us-east-1.amazonaws.com', `x.${SERVED}`, 's3.us-east-1.amazonaws.com']) {
      const r = ask(encodeQuery({ id: 7, name, type: DNS_TYPE.A }));
      expect(r.header.rcode, name).toBe(RCODE.REFUSED);
      expect(r.aa).toBe(false);
      expect(r.answers).toEqual([]);
      expect(r.questionName).toBe(name);
    }
  });

  it('refuses a served name in another class (CHAOS)', () => {
    expect(ask(encodeQuery({ id: 7, name: SERVED, type: DNS_TYPE.A, qclass: 3 })).header.rcode).toBe(RCODE.REFUSED);
  });

  it('answers AAAA of a served name with no records when the cloud has only an IPv4 address', () => {
    const r = ask(encodeQuery({ id: 9, name: SERVED, type: DNS_TYPE.AAAA }));
    expect(r.header.rcode).toBe(RCODE.NOERROR);
    expect(r.aa).toBe(true);
    expect(r.answers).toEqual([]);
  });

  it('answers AAAA (and no A) when the cloud listens on IPv6', () => {
    const v6 = { ...config, addresses: ['::1'] };
    expect(ask(encodeQuery({ id: 9, name: SERVED, type: DNS_TYPE.AAAA }), v6).answers[0]).toMatchObject({
      type: DNS_TYPE.AAAA,
      data: Buffer.from([...new Array<number>(15).fill(0), 1]),
    });
    expect(ask(encodeQuery({ id: 9, name: SERVED, type: DNS_TYPE.A }), v6).answers).toEqual([]);
    const mapped = ask(encodeQuery({ id: 9, name: SERVED, type: DNS_TYPE.AAAA }), { ...config, addresses: ['fd00::ffff:10.0.2.2'] });
    expect([...mapped.answers[0].data]).toEqual([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 2, 2]);
  });

  it('answers ANY with every address and other types of a served name with no records', () => {
    const both = { ...config, addresses: ['127.0.0.1', '::1'] };
    expect(ask(encodeQuery({ id: 1, name: SERVED, type: DNS_TYPE.ANY }), both).answers.map((a) => a.type)).toEqual([DNS_TYPE.A, DNS_TYPE.AAAA]);
    const mx = ask(encodeQuery({ id: 1, name: SERVED, type: 15 }));
    expect(mx.header.rcode).toBe(RCODE.NOERROR);
    expect(mx.answers).toEqual([]);
  });

  it('answers NOTIMP to opcodes other than QUERY (e.g. NOTIFY, UPDATE)', () => {
    for (const opcode of [1, 2, 4, 5, 15]) {
      const q = encodeQuery({ id: 3, name: SERVED, type: DNS_TYPE.A });
      q.writeUInt16BE((opcode << 11) | 0x0100, 2);
      const r = ask(q);
      expect(r.header.rcode).toBe(RCODE.NOTIMP);
      expect(r.header.opcode).toBe(opcode);
      expect(r.header.id).toBe(3);
    }
  });

  it('answers FORMERR to zero or several questions', () => {
    const one = encodeQuery({ id: 4, name: SERVED, type: DNS_TYPE.A });
    const question = one.subarray(12);
    const two = withCounts(Buffer.concat([one, question]), { qd: 2 });
    expect(ask(two).header).toMatchObject({ id: 4, rcode: RCODE.FORMERR, qdcount: 0, ancount: 0 });
    expect(ask(withCounts(one.subarray(0, 12), { qd: 0 })).header.rcode).toBe(RCODE.FORMERR);
  });

  it('never answers a response (QR set) or a packet shorter than a header', () => {
    const q = encodeQuery({ id: 5, name: SERVED, type: DNS_TYPE.A });
    q[2] |= 0x80;
    expect(answerDnsMessage(q, config, 'udp')).toBeUndefined();
    expect(answerDnsMessage(Buffer.alloc(11), config, 'udp')).toBeUndefined();
    expect(answerDnsMessage(Buffer.alloc(0), config, 'tcp')).toBeUndefined();
  });

  it('echoes a minimal OPT record when the query has EDNS, and none without', () => {
    const withOpt = ask(encodeQuery({ id: 6, name: SERVED, type: DNS_TYPE.A, edns: { udpSize: 4096 } }));
    expect(withOpt.opt).toEqual({ udpSize: 1232, extendedRcode: 0 });
    expect(withOpt.header.arcount).toBe(1);
    expect(ask(encodeQuery({ id: 6, name: SERVED, type: DNS_TYPE.A })).opt).toBeUndefined();
  });

  it('answers BADVERS to an EDNS version it does not speak', () => {
    const r = ask(encodeQuery({ id: 6, name: SERVED, type: DNS_TYPE.A, edns: { udpSize: 1232, version: 1 } }));
    expect(r.header.rcode).toBe(0);
    expect(r.opt?.extendedRcode).toBe(1); // (1 << 4) | 0 = 16, BADVERS
    expect(r.answers).toEqual([]);
  });

  it('answers FORMERR to two OPT records, or an OPT outside the additional section or not at the root', () => {
    const q = encodeQuery({ id: 8, name: SERVED, type: DNS_TYPE.A, edns: { udpSize: 1232 } });
    const opt = q.subarray(q.length - 11);
    expect(ask(withCounts(Buffer.concat([q, opt]), { ar: 2 })).header.rcode).toBe(RCODE.FORMERR);
    expect(ask(withCounts(q, { an: 1, ar: 0 })).header.rcode).toBe(RCODE.FORMERR);
    const named = Buffer.concat([q.subarray(0, q.length - 11), Buffer.from([0xc0, 12]), opt.subarray(1)]);
    expect(ask(named).header.rcode).toBe(RCODE.FORMERR);
  });

  it('follows a backward compression pointer in a record of the query', () => {
    // An answer-section record (as in a NOTIFY-like query) naming the question through 0xC00C.
    const q = encodeQuery({ id: 10, name: SERVED, type: DNS_TYPE.A });
    const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 127, 0, 0, 1]);
    expect(ask(withCounts(Buffer.concat([q, rr]), { an: 1 })).answers[0].name).toBe(SERVED);
  });

  it('answers FORMERR to pointer loops, forward pointers and reserved label types without hanging', () => {
    const q = encodeQuery({ id: 11, name: SERVED, type: DNS_TYPE.A });
    const selfLoop = Buffer.concat([q, Buffer.from([0xc0, q.length]), Buffer.alloc(10)]);
    expect(ask(withCounts(selfLoop, { an: 1 })).header.rcode).toBe(RCODE.FORMERR);
    const forward = Buffer.concat([q, Buffer.from([0xc0, q.length + 2, 0]), Buffer.alloc(10)]);
    expect(ask(withCounts(forward, { an: 1 })).header.rcode).toBe(RCODE.FORMERR);
    // Two pointers pointing at each other: the second points back at the first.
    const twoLoop = Buffer.concat([q, Buffer.from([0x03, 0x61, 0x62, 0x63, 0xc0, q.length]), Buffer.alloc(10)]);
    expect(ask(withCounts(twoLoop, { an: 1 })).header.rcode).toBe(RCODE.FORMERR);
    const header = q.subarray(0, 12);
    expect(ask(Buffer.concat([header, Buffer.from([0x40, 0, 0, 1, 0, 1])])).header.rcode).toBe(RCODE.FORMERR);
    expect(ask(Buffer.concat([header, Buffer.from([0xc0, 12, 0, 1, 0, 1])])).header.rcode).toBe(RCODE.FORMERR);
  });

  it('answers FORMERR to truncated questions, overlong labels and names, and trailing bytes', () => {
    const q = encodeQuery({ id: 12, name: SERVED, type: DNS_TYPE.A });
    for (let cut = 13; cut < q.length; cut++) expect(ask(q.subarray(0, cut)).header.rcode, `cut at ${cut}`).toBe(RCODE.FORMERR);
    expect(ask(encodeQuery({ id: 12, name: `${'a'.repeat(64)}.com`, type: 1 })).header.rcode).toBe(RCODE.FORMERR);
    expect(ask(encodeQuery({ id: 12, name: Array(64).fill('abc').join('.'), type: 1 })).header.rcode).toBe(RCODE.FORMERR);
    expect(ask(Buffer.concat([q, Buffer.from([0])])).header.rcode).toBe(RCODE.FORMERR);
  });

  it('never matches a label holding a dot byte (a\\.b is not a.b)', () => {
    const q = encodeQuery({ id: 13, name: 'x', type: DNS_TYPE.A });
    const label = (t: string) => [Buffer.from([t.length]), Buffer.from(t, 'latin1')];
    const name = Buffer.concat([...label('cognito-idp.us-east-1'), ...label('amazonaws'), ...label('com'), Buffer.from([0])]);
    const packet = Buffer.concat([q.subarray(0, 12), name, Buffer.from([0, 1, 0, 1])]);
    expect(ask(packet).header.rcode).toBe(RCODE.REFUSED);
  });

  it('sets TC and drops the answers when they do not fit a UDP message, and sends them all over TCP or big EDNS', () => {
    const many = { ...config, addresses: Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 1}`) };
    const plain = ask(encodeQuery({ id: 14, name: SERVED, type: DNS_TYPE.A }), many);
    expect(plain.tc).toBe(true);
    expect(plain.answers).toEqual([]);
    expect(plain.questionName).toBe(SERVED);
    expect(ask(encodeQuery({ id: 14, name: SERVED, type: DNS_TYPE.A }), many, 'tcp').answers).toHaveLength(40);
    const big = ask(encodeQuery({ id: 14, name: SERVED, type: DNS_TYPE.A, edns: { udpSize: 1232 } }), many);
    expect(big.tc).toBe(false);
    expect(big.answers).toHaveLength(40);
    // A tiny advertised size counts as 512 (RFC 6891 §6.2.3), never less.
    expect(ask(encodeQuery({ id: 14, name: SERVED, type: DNS_TYPE.A, edns: { udpSize: 10 } })).answers).toHaveLength(1);
  });
});

function recordingLogger(errors: string[]): Logger {
  const l: Logger = { info: () => {}, warn: () => {}, error: (m) => errors.push(m), child: () => l };
  return l;
}

describe('the DNS server on real sockets', () => {
  let server: DnsServer;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startDnsServer({ ...config, port: 0, tcpIdleMs: 200, log: recordingLogger(errors) });
  });
  afterAll(async () => {
    await server.close();
  });

  function udpAsk(packet: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      const timer = setTimeout(() => {
        s.close();
        resolve(undefined);
      }, timeoutMs);
      s.once('message', (msg) => {
        clearTimeout(timer);
        s.close();
        resolve(msg);
      });
      s.send(packet, server.port, '127.0.0.1');
    });
  }

  function tcpExchange(chunks: Buffer[], expected: number): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const sock = connect(server.port, '127.0.0.1');
      let buf = Buffer.alloc(0);
      const replies: Buffer[] = [];
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          replies.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (replies.length === expected) {
          sock.end();
          resolve(replies);
        }
      });
      sock.on('error', reject);
      sock.on('close', () => resolve(replies));
      void (async () => {
        for (const c of chunks) {
          sock.write(c);
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
    });
  }

  const framed = (p: Buffer) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p]);

  it('answers over UDP', async () => {
    const r = parseResponse((await udpAsk(encodeQuery({ id: 77, name: SERVED, type: DNS_TYPE.A })))!);
    expect(r.header.id).toBe(77);
    expect(r.answers[0].data).toEqual(Buffer.from([127, 0, 0, 1]));
  });

  it('answers several queries on one TCP connection, in order, even when a message arrives in pieces', async () => {
    const a = framed(encodeQuery({ id: 1, name: SERVED, type: DNS_TYPE.A }));
    const b = framed(encodeQuery({ id: 2, name: 'example.com', type: DNS_TYPE.A }));
    const c = framed(encodeQuery({ id: 3, name: 'sts.us-east-1.amazonaws.com', type: DNS_TYPE.A }));
    const replies = await tcpExchange([Buffer.concat([a, b]), c.subarray(0, 1), c.subarray(1, 9), c.subarray(9)], 3);
    expect(replies.map((r) => parseResponse(r).header.id)).toEqual([1, 2, 3]);
    expect(replies.map((r) => parseResponse(r).header.rcode)).toEqual([RCODE.NOERROR, RCODE.REFUSED, RCODE.NOERROR]);
  });

  it('closes an idle TCP connection', async () => {
    const sock = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => sock.once('close', () => resolve()));
    expect(sock.destroyed).toBe(true);
  });

  it('closes a TCP connection that sends something that is no DNS message', async () => {
    expect(await tcpExchange([framed(Buffer.from('hello')), framed(encodeQuery({ id: 1, name: SERVED, type: 1 }))], 1)).toEqual([]);
  });

  it("serves Node's resolver (c-ares) pointed at it: A for served names, EREFUSED otherwise", async () => {
    const resolver = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${server.port}`]);
    expect(await resolver.resolve4(SERVED)).toEqual(['127.0.0.1']);
    expect(await resolver.resolve4('STS.us-east-1.amazonaws.com', { ttl: true })).toEqual([{ address: '127.0.0.1', ttl: 5 }]);
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
    await expect(resolver.resolve6(SERVED)).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('survives a few hundred malformed and mutated packets (seeded) and still answers correctly', async () => {
    const packets = fuzzPackets(0x5eed, 600);
    let replies = 0;
    for (const p of packets) {
      // The pure path first: it must never throw, and any reply must parse with the same id.
      const reply = answerDnsMessage(p, config, 'udp');
      if (reply) {
        const r = parseResponse(reply);
        expect(r.header.id).toBe(p.readUInt16BE(0));
        expect(r.header.qr).toBe(true);
        replies++;
      }
    }
    // Then the same packets at the live server, over UDP and over one TCP connection.
    await Promise.all(packets.slice(0, 300).map((p) => udpAsk(p, 300)));
    // A message without a reply ends a TCP connection, so one connection carries the answerable ones.
    const answerable = packets.slice(300).filter((p) => answerDnsMessage(p, config, 'tcp'));
    expect(await tcpExchange([Buffer.concat(answerable.map(framed))], answerable.length)).toHaveLength(answerable.length);
    expect(replies).toBeGreaterThan(100);
    expect(errors).toEqual([]);
    const r = parseResponse((await udpAsk(encodeQuery({ id: 99, name: SERVED, type: DNS_TYPE.A })))!);
    expect(r.answers).toHaveLength(1);
    const [t] = await tcpExchange([framed(encodeQuery({ id: 98, name: SERVED, type: DNS_TYPE.A }))], 1);
    expect(parseResponse(t).answers).toHaveLength(1);
  });
});

function fuzzPackets(seed: number, count: number): Buffer[] {
  const rng = new Rng(seed);
  const int = (n: number) => rng.int(n);
  const seeds = [
    encodeQuery({ id: 1, name: SERVED, type: DNS_TYPE.A }),
    encodeQuery({ id: 2, name: 'example.com', type: DNS_TYPE.AAAA, edns: { udpSize: 4096 } }),
    encodeQuery({ id: 3, name: 'sts.us-east-1.amazonaws.com', type: DNS_TYPE.ANY, qclass: DNS_CLASS.ANY }),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const base = Buffer.from(seeds[int(seeds.length)]);
    let p: Buffer = base;
    switch (i % 6) {
      case 0: // bit flips
        for (let k = 0, n = 1 + int(4); k < n; k++) p[int(p.length)] ^= 1 << int(8);
        break;
      case 1: // truncation
        p = p.subarray(0, int(p.length));
        break;
      case 2: // random counts
        p.writeUInt16BE(int(0x10000), 4 + 2 * int(4));
        break;
      case 3: // pointers sprinkled over the name
        p[12 + int(Math.max(1, p.length - 12))] = 0xc0 | int(0x40);
        break;
      case 4: // random bytes after a valid header
        p = Buffer.concat([p.subarray(0, 12), Buffer.from(Array.from({ length: int(80) }, () => int(256)))]);
        break;
      default: // appended junk records
        p = Buffer.concat([p, Buffer.from(Array.from({ length: 1 + int(30) }, () => int(256)))]);
        p.writeUInt16BE(1 + int(3), 10);
    }
    if (p.length >= 3) p[2] &= 0x7f; // keep QR clear most of the time, so the parser is exercised
    if (i % 50 === 0 && p.length >= 3) p[2] |= 0x80;
    out.push(p);
  }
  return out;
}
