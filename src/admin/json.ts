/** Reading admin request input: JSON bodies and percent-encoded path segments, with AWS-shaped errors. */
import { isAscii, isUtf8 } from "node:buffer";
import { invalidRequest, serializationError } from "../protocol/errors.js";

export function parseJson(body: Buffer): unknown {
  if (!isUtf8(body)) throw serializationError("Request body is not valid UTF-8; send JSON as UTF-8 text.");
  try {
    // ASCII (the usual case) decodes as Latin-1, a plain copy.
    return JSON.parse(isAscii(body) ? body.toString("latin1") : body.toString("utf8"));
  } catch (err) {
    throw serializationError(`Request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequest(`The path segment ${JSON.stringify(segment)} is not valid percent-encoding.`);
  }
}
