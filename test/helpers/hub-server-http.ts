// Small node:http helpers shared by the Hub stand-in's read and write sides: JSON answers, the
// Hub's error shape (x-error-code / x-error-message headers) and reading a bounded request body.
import type http from 'node:http';

const MAX_JSON_BODY = 64 << 20;

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: message }, { 'x-error-code': code, 'x-error-message': message });
}

/** The whole request body; over `limit` bytes it throws an error with `status: 413`. */
export async function readBody(req: http.IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw Object.assign(new Error(`body over ${limit} bytes`), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
