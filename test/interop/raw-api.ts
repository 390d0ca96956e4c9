/**
 * The GameLift API over raw HTTP, for requests no SDK will send: malformed bodies, wrong types,
 * bad headers. The Authorization header is hand-written but well formed (the server reads the
 * credential scope; it does not verify signatures by default).
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
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

/** Writes `request` as is on a new TCP connection; resolves with the status line and body of the answer. */
export function rawHttp(endpoint: string, request: string): Promise<{ statusLine: string; body: string }> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (text += d));
    socket.on("error", reject);
    socket.on("close", () => {
      const split = text.indexOf("\r\n\r\n");
      resolve({ statusLine: text.slice(0, text.indexOf("\r\n")), body: split < 0 ? "" : text.slice(split + 4) });
    });
  });
}

/**
 * An API call whose body arrives in two parts: `first` now, the rest when `finish` is called, so
 * the request is in flight for as long as a test needs (to signal the server meanwhile).
 */
export function callInTwoParts(endpoint: string, operation: string, first: string): { finish(rest: string): Promise<RawResponse> } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const pending = rawCall(endpoint, operation, body);
  controller.enqueue(encoder.encode(first));
  return {
    finish: (rest) => {
      controller.enqueue(encoder.encode(rest));
      controller.close();
      return pending;
    },
  };
}

/** POST [prefix]/service/GameLift/operation/<operation> (RPC v2 CBOR) with `body` as is; the answer's body stays bytes. */
export async function rawCborCall(
  endpoint: string,
  operation: string,
  body: Uint8Array | string,
  headers: Record<string, string | undefined> = {},
  path = `/service/GameLift/operation/${operation}`,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const all: Record<string, string> = {
    "Content-Type": "application/cbor",
    Accept: "application/cbor",
    "smithy-protocol": "rpc-v2-cbor",
    "X-Amz-Date": "20250101T000000Z",
    Authorization: authorization(),
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete all[name];
    else all[name] = value;
  }
  const res = await fetch(endpoint + path, { method: "POST", headers: all, body });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
