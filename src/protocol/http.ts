/** Small HTTP helpers shared by the API, admin and log endpoints. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ServiceError, tooLarge } from "./errors.js";

/**
 * How much of a refused body is still read and dropped: a client still sending when the 413 goes
 * out would otherwise see a connection reset instead of the error. Past this the connection goes.
 */
const DISCARD_LIMIT = 8 * 1024 * 1024;

/** The client went away before its request was read: there is no one to answer, and it is not the server's error. */
export class ClientGone extends Error {}

/** Reads the whole body, refusing (413) anything over `limit` bytes without buffering it. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await readChunks(req, limit, (chunk) => {
    chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/**
 * Hands the body to `take` a chunk at a time as it arrives (awaiting what `take` returns), refusing
 * (413) anything over `limit` bytes: past the limit nothing more is handed over, and the error comes
 * once the rest has been read and dropped.
 */
export async function readChunks(req: IncomingMessage, limit: number, take: (chunk: Buffer) => Promise<void> | void): Promise<void> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit + DISCARD_LIMIT) throw tooLarge(limit);
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit + DISCARD_LIMIT) throw tooLarge(limit);
      if (size <= limit) await take(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    if (req.readableAborted || (err as NodeJS.ErrnoException).code === "ECONNRESET") throw new ClientGone("client went away");
    throw err;
  }
  if (size > limit) throw tooLarge(limit);
}

export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  // Encoded once: measuring a string's UTF-8 length and then writing it would encode it twice.
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": bytes.byteLength, ...headers });
  res.end(bytes);
}
