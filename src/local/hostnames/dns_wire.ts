/**
 * The DNS message format (RFC 1035 §4, EDNS0 from RFC 6891), just as much as an authoritative-only
 * server needs: parse a query strictly, encode a response. Names stay as their wire labels so an answer
 * repeats the question's exact bytes (case included); matching uses a lower-cased presentation form.
 */

export const DNS_TYPE = { A: 1, CNAME: 5, SOA: 6, AAAA: 28, OPT: 41, ANY: 255 } as const;
export const DNS_CLASS = { IN: 1, ANY: 255 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
export const OPCODE_QUERY = 0;

const HEADER_BYTES = 12;
const MAX_NAME_BYTES = 255;
const MAX_LABEL_BYTES = 63;
/** More jumps than a legal name has labels means a loop or a hostile packet. */
const MAX_POINTER_JUMPS = 127;
/** What we advertise in our OPT record: the size DNS flag day 2020 settled on. */
export const EDNS_UDP_SIZE = 1232;
export const PLAIN_UDP_LIMIT = 512;

export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  rd: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface Question {
  /** The labels exactly as sent. */
  labels: Buffer[];
  /** Lower-cased dotted form without the trailing dot; bytes outside [a-z0-9-_] are `\DDD`-escaped. */
  name: string;
  type: number;
  qclass: number;
}

export interface EdnsOpt {
  /** The requester's UDP payload size (values under 512 count as 512, RFC 6891 §6.2.3). */
  udpSize: number;
  version: number;
}

export interface DnsQuery {
  header: DnsHeader;
  question: Question;
  opt?: EdnsOpt;
}

/** A packet we can answer with an error code because its header (and so its id) was readable. */
export class DnsFormatError extends Error {
  override readonly name = 'DnsFormatError';
  constructor(
    message: string,
    readonly header: DnsHeader,
    readonly rcode: number = RCODE.FORMERR,
  ) {
    super(message);
  }
}

export function parseHeader(buf: Buffer): DnsHeader | undefined {
  if (buf.length < HEADER_BYTES) return undefined;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    rd: (flags & 0x0100) !== 0,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

/**
 * Parses a standard query with exactly one question (what every resolver sends; RFC 9619 made it the
 * rule), skipping answer and authority records and reading the OPT record. Throws DnsFormatError for
 * anything malformed; the caller checks QR and the opcode first.
 */
export function parseQuery(buf: Buffer, header: DnsHeader): DnsQuery {
  const fail = (why: string, rcode: number = RCODE.FORMERR): never => {
    throw new DnsFormatError(why, header, rcode);
  };
  if (header.qdcount !== 1) fail(`a query carries exactly one question, not ${header.qdcount}`);
  let offset = HEADER_BYTES;
  const qname = readName(buf, offset);
  if (typeof qname === 'string') return fail(qname);
  offset = qname.end;
  if (offset + 4 > buf.length) fail('the question ends before its type and class');
  const question: Question = {
    labels: qname.labels,
    name: presentationName(qname.labels),
    type: buf.readUInt16BE(offset),
    qclass: buf.readUInt16BE(offset + 2),
  };
  offset += 4;

  let opt: EdnsOpt | undefined;
  const records = header.ancount + header.nscount + header.arcount;
  for (let i = 0; i < records; i++) {
    const rr = readName(buf, offset);
    if (typeof rr === 'string') return fail(rr);
    offset = rr.end;
    if (offset + 10 > buf.length) fail('a record ends before its fixed fields');
    const type = buf.readUInt16BE(offset);
    const rdlength = buf.readUInt16BE(offset + 8);
    if (offset + 10 + rdlength > buf.length) fail('a record is longer than the packet');
    if (type === DNS_TYPE.OPT) {
      const inAdditional = i >= header.ancount + header.nscount;
      if (!inAdditional || rr.labels.length !== 0) fail('an OPT record belongs to the root name in the additional section');
      if (opt) fail('a message carries at most one OPT record');
      opt = { udpSize: Math.max(PLAIN_UDP_LIMIT, buf.readUInt16BE(offset + 2)), version: buf[offset + 5] };
    }
    offset += 10 + rdlength;
  }
  if (offset !== buf.length) fail(`${buf.length - offset} bytes follow the last record`);
  return { header, question, opt };
}

/** Reads a (possibly compressed) name; returns why it is malformed as a string. */
export function readName(buf: Buffer, start: number): { labels: Buffer[]; end: number } | string {
  const labels: Buffer[] = [];
  let offset = start;
  let end = -1;
  let wireLength = 1;
  let jumps = 0;
  for (;;) {
    if (offset >= buf.length) return 'a name runs past the end of the packet';
    const len = buf[offset];
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (offset + 1 >= buf.length) return 'a compression pointer is cut short';
      const target = ((len & 0x3f) << 8) | buf[offset + 1];
      // Only backward pointers: a forward or self pointer is how loops are built.
      if (target >= offset) return 'a compression pointer does not point backwards';
      if (++jumps > MAX_POINTER_JUMPS) return 'too many compression pointers';
      if (end < 0) end = offset + 2;
      offset = target;
      continue;
    }
    if (kind !== 0) return 'a label uses a reserved label type';
    if (len === 0) {
      if (end < 0) end = offset + 1;
      return { labels, end };
    }
    if (len > MAX_LABEL_BYTES) return 'a label is longer than 63 bytes';
    if (offset + 1 + len > buf.length) return 'a label runs past the end of the packet';
    wireLength += 1 + len;
    if (wireLength > MAX_NAME_BYTES) return 'a name is longer than 255 bytes';
    labels.push(buf.subarray(offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
}

/** Lower-case dotted name; any byte a hostname cannot hold is escaped so it never matches one. */
export function presentationName(labels: readonly Buffer[]): string {
  return labels
    .map((label) => {
      let out = '';
      for (const byte of label) {
        const c = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
        const plain = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
        out += plain ? String.fromCharCode(c) : `\\${String(c).padStart(3, '0')}`;
      }
      return out;
    })
    .join('.');
}

export interface ResourceRecord {
  type: number;
  ttl: number;
  data: Buffer;
}

export interface ResponseSpec {
  /** The query's header (id, opcode and RD are echoed). */
  header: Pick<DnsHeader, 'id' | 'opcode' | 'rd'>;
  rcode: number;
  /** Authoritative answer (set for the names we serve). */
  aa: boolean;
  /** Echoed in the question section; the answers are records of this name. */
  question?: Question;
  answers?: readonly ResourceRecord[];
  /** Present when the query had EDNS: we answer with our own OPT record (RFC 6891 §7). */
  edns?: boolean;
  /** The largest message the transport takes; bigger answers are dropped and TC set. */
  maxBytes: number;
}

export function encodeResponse(spec: ResponseSpec): Buffer {
  const question = spec.question ? encodeQuestion(spec.question) : Buffer.alloc(0);
  // RCODEs above 15 live partly in the OPT record (RFC 6891 §6.1.3).
  const opt = spec.edns ? encodeOpt(spec.rcode >> 4) : Buffer.alloc(0);
  const answers = (spec.answers ?? []).map(encodeAnswer);
  let answerBytes = answers.reduce((n, a) => n + a.length, 0);
  let truncated = false;
  if (HEADER_BYTES + question.length + answerBytes + opt.length > spec.maxBytes) {
    // All or nothing: a partial RRset invites a client to cache half of it.
    answers.length = 0;
    answerBytes = 0;
    truncated = true;
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(spec.header.id, 0);
  let flags = 0x8000 | ((spec.header.opcode & 0xf) << 11) | (spec.rcode & 0xf);
  if (spec.aa) flags |= 0x0400;
  if (truncated) flags |= 0x0200;
  if (spec.header.rd) flags |= 0x0100;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(spec.question ? 1 : 0, 4);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(spec.edns ? 1 : 0, 10);
  return Buffer.concat([header, question, ...answers, opt]);
}

function encodeQuestion(q: Question): Buffer {
  const parts: Buffer[] = [];
  for (const label of q.labels) parts.push(Buffer.from([label.length]), label);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(q.type, 1);
  tail.writeUInt16BE(q.qclass, 3);
  return Buffer.concat([...parts, tail]);
}

/** Every answer is for the question's name, which sits right after the header: pointer 0xC00C. */
function encodeAnswer(rr: ResourceRecord): Buffer {
  const out = Buffer.alloc(12 + rr.data.length);
  out.writeUInt16BE(0xc000 | HEADER_BYTES, 0);
  out.writeUInt16BE(rr.type, 2);
  out.writeUInt16BE(DNS_CLASS.IN, 4);
  out.writeUInt32BE(rr.ttl, 6);
  out.writeUInt16BE(rr.data.length, 10);
  rr.data.copy(out, 12);
  return out;
}

function encodeOpt(extendedRcode: number): Buffer {
  const out = Buffer.alloc(11);
  out[0] = 0; // root name
  out.writeUInt16BE(DNS_TYPE.OPT, 1);
  out.writeUInt16BE(EDNS_UDP_SIZE, 3);
  out[5] = extendedRcode & 0xff;
  out[6] = 0; // version 0
  out.writeUInt16BE(0, 7); // DO clear: nothing here is signed
  out.writeUInt16BE(0, 9);
  return out;
}

/** Builds a query (tests, and anyone probing the server by hand). */
export function encodeQuery(opts: { id: number; name: string; type: number; qclass?: number; rd?: boolean; edns?: { udpSize: number; version?: number } }): Buffer {
  const labels = opts.name.replace(/\.$/, '').split('.').filter(Boolean).map((l) => Buffer.from(l, 'latin1'));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(opts.id, 0);
  header.writeUInt16BE(opts.rd === false ? 0 : 0x0100, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(opts.edns ? 1 : 0, 10);
  const q = encodeQuestion({ labels, name: '', type: opts.type, qclass: opts.qclass ?? DNS_CLASS.IN });
  if (!opts.edns) return Buffer.concat([header, q]);
  const opt = encodeOpt(0);
  opt.writeUInt16BE(opts.edns.udpSize, 3);
  opt[6] = opts.edns.version ?? 0;
  return Buffer.concat([header, q, opt]);
}

export interface ParsedAnswer {
  name: string;
  type: number;
  ttl: number;
  data: Buffer;
}

/** Reads a response (tests): header, the echoed question's name, answer records, whether OPT came back. */
export function parseResponse(buf: Buffer): { header: DnsHeader; aa: boolean; tc: boolean; ra: boolean; questionName?: string; answers: ParsedAnswer[]; opt?: { udpSize: number; extendedRcode: number } } {
  const header = parseHeader(buf);
  if (!header) throw new Error('short response');
  const flags = buf.readUInt16BE(2);
  let offset = HEADER_BYTES;
  let questionName: string | undefined;
  for (let i = 0; i < header.qdcount; i++) {
    const n = readName(buf, offset);
    if (typeof n === 'string') throw new Error(n);
    questionName = n.labels.map((l) => l.toString('latin1')).join('.');
    offset = n.end + 4;
  }
  const answers: ParsedAnswer[] = [];
  let opt: { udpSize: number; extendedRcode: number } | undefined;
  for (let i = 0; i < header.ancount + header.nscount + header.arcount; i++) {
    const n = readName(buf, offset);
    if (typeof n === 'string') throw new Error(n);
    offset = n.end;
    const type = buf.readUInt16BE(offset);
    const rdlength = buf.readUInt16BE(offset + 8);
    const data = buf.subarray(offset + 10, offset + 10 + rdlength);
    if (type === DNS_TYPE.OPT) opt = { udpSize: buf.readUInt16BE(offset + 2), extendedRcode: buf[offset + 4] };
    else if (i < header.ancount) {
      answers.push({ name: n.labels.map((l) => l.toString('latin1')).join('.'), type, ttl: buf.readUInt32BE(offset + 4), data });
    }
    offset += 10 + rdlength;
  }
  return { header, aa: (flags & 0x0400) !== 0, tc: (flags & 0x0200) !== 0, ra: (flags & 0x0080) !== 0, questionName, answers, opt };
}
