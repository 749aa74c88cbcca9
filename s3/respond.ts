import type { ServerResponse } from 'node:http';
import type { XmlWriter } from './xml.ts';

/** Answers with an XML document. */
export function sendXml(response: ServerResponse, status: number, document: XmlWriter): void {
  const body = Buffer.from(document.toString());
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length });
  response.end(body);
}

/** Answers with no body (PUT, DELETE, HEAD and the like), the given headers set. */
export function sendEmpty(response: ServerResponse, status: number, headers: Readonly<Record<string, string | number>> = {}): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  // 204 and 304 carry no Content-Length (RFC 9110 §8.6); other empty answers say 0 unless they describe an object.
  if (status === 204 || status === 304) response.removeHeader('content-length');
  else if (!response.hasHeader('content-length')) response.setHeader('content-length', 0);
  response.writeHead(status);
  response.end();
}
