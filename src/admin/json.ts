/** Reading admin request input: JSON bodies and percent-encoded path segments, with AWS-shaped errors. */
import { invalidRequest, serializationError } from "../protocol/errors.js";

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
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
