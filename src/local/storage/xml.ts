import { XMLParser } from 'fast-xml-parser';
import { escapeXml } from '../core/aws_errors.js';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export type XmlValue = string | number | boolean | undefined | null | XmlNode | XmlValue[];
export interface XmlNode {
  [element: string]: XmlValue;
}

function render(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('');
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value).map(([k, v]) => render(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** An S3 response document: `<Root xmlns="…">…</Root>`. */
function xmlDocument(root: string, body: XmlNode): string {
  const inner = Object.entries(body).map(([k, v]) => render(k, v)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NS}">${inner}</${root}>`;
}

/** An S3 response carrying an XML document. */
export function xmlResponse(root: string, body: XmlNode, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(xmlDocument(root, body), { status, headers: { 'content-type': 'application/xml', ...headers } });
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

export class MalformedXmlError extends Error {}

/** Parses a request body; any XML the client could have sent wrongly becomes MalformedXML. */
export function parseXml(text: string): Record<string, unknown> {
  if (!text.trim()) throw new MalformedXmlError('empty body');
  try {
    const doc = parser.parse(text, true) as Record<string, unknown>;
    return doc;
  } catch (err) {
    throw new MalformedXmlError((err as Error).message);
  }
}
