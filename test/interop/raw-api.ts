/**
 * The GameLift API over raw HTTP, for requests no SDK will send: malformed bodies, wrong types,
 * bad headers. The Authorization header is hand-written but well formed (the server reads the
 * credential scope; it does not verify signatures by default).
 */
import assert from "node:assert/strict";
import { REGION } from "./fleet-log.js";

export function authorization(options: { accessKeyId?: string; region?: string } = {}): string {
  const { accessKeyId = "AKIDLIFTLOGTEST", region = REGION } = options;
  return `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250101/${region}/gamelift/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${"0".repeat(64)}`;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** POST / with X-Amz-Target `GameLift.<operation>` (or the raw `target` given) and `body` as is. */
export async function rawCall(
  endpoint: string,
  target: string | undefined,
  body: string | Buffer | ReadableStream<Uint8Array>,
  headers: Record<string, string | undefined> = {},
): Promise<RawResponse> {
  const all: Record<string, string> = {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Date": "20250101T000000Z",
    Authorization: authorization(),
    ...(target !== undefined ? { "X-Amz-Target": target.includes(".") ? target : `GameLift.${target}` } : {}),
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete all[name];
    else all[name] = value;
  }
  const res = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: all,
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Asserts an AWS JSON error: the HTTP status, `__type` (also in x-amzn-ErrorType), a request ID, and a message matching `message`. */
export function assertAwsError(res: RawResponse, status: number, type: string, message: RegExp): void {
  let body: { __type?: string; message?: string };
  try {
    body = JSON.parse(res.text);
  } catch {
    assert.fail(`not a JSON error body (status ${res.status}): ${res.text.slice(0, 200)}`);
  }
  assert.equal(res.status, status, `status for ${res.text.slice(0, 300)}`);
  assert.equal(body.__type, type, res.text.slice(0, 300));
  assert.equal(res.headers.get("x-amzn-errortype"), type);
  assert.ok(res.headers.get("x-amzn-requestid"), "x-amzn-RequestId header");
  assert.match(body.message ?? "", message);
}
