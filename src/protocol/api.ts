/**
 * The GameLift API on one port in each protocol the model lists:
 *   AWS JSON 1.1        POST /  with X-Amz-Target: GameLift.<Operation>
 *   Smithy RPC v2 CBOR  POST [prefix]/service/GameLift/operation/<Operation>  with smithy-protocol: rpc-v2-cbor
 * The router picks the protocol from the path; the protocol resolves the operation and decodes the
 * input from the model; the handler runs; the same protocol encodes the output or the error.
 * Operations never see which protocol was used.
 */
import type { IncomingMessage } from "node:http";
import { accountFor, type LiftlogConfig } from "../config.js";
import type { RequestContext, Services } from "../operations/context.js";
import { operations } from "../operations/registry.js";
import { checkRegion } from "../operations/regions.js";
import { isCborPath, rpcV2Cbor } from "./cbor.js";
import type { ServiceError } from "./errors.js";
import { json11 } from "./json11.js";
import { parseCredential, verifySignature, type KeyRing } from "./sigv4.js";

export const API_BODY_LIMIT = 1024 * 1024;

/** One wire protocol: how it names the operation, reads the input, writes the output and errors. */
export interface Protocol {
  /** Smithy's name for the protocol, as metrics and logs label requests. */
  name: string;
  operation(req: IncomingMessage, pathname: string): string;
  decodeInput(operation: string, body: Buffer, req: IncomingMessage): Record<string, unknown>;
  encodeOutput(operation: string, output: unknown): string | Uint8Array;
  encodeError(err: ServiceError): string | Uint8Array;
  contentType: string;
  /** The protocol's own response headers, for a success or for `error`. */
  headers(error?: ServiceError): Record<string, string>;
}

/** The protocol of an API request, or undefined when the request is not an API call. */
export function apiProtocol(method: string | undefined, pathname: string): Protocol | undefined {
  if (method !== "POST") return undefined;
  if (pathname === "/") return json11;
  return isCborPath(pathname) ? rpcV2Cbor : undefined;
}

/**
 * Who is calling and where. With `keys` (strict mode) the signature is verified and the account is
 * the key's; without, the scope is read as sent and the account comes from the access key.
 */
export async function callerContext(
  config: LiftlogConfig,
  keys: KeyRing | undefined,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  ids: { requestId: string; baseUrl: string },
): Promise<RequestContext> {
  if (keys) {
    const signed = { method: req.method ?? "POST", path: url.pathname, query: url.searchParams, headers: req.headers, body };
    const caller = await verifySignature(signed, keys, Date.now());
    checkRegion(caller.region);
    return { scope: { accountId: caller.accountId, region: caller.region }, ...ids };
  }
  const credential = parseCredential(req.headers, url.searchParams);
  checkRegion(credential.region);
  return { scope: { accountId: accountFor(config, credential.accessKeyId), region: credential.region }, ...ids };
}

/** Runs one API call; returns the encoded response body. Throws ServiceError for the caller to encode. */
export async function handleApiCall(
  services: Services,
  ctx: RequestContext,
  protocol: Protocol,
  operation: string,
  body: Buffer,
  req: IncomingMessage,
): Promise<string | Uint8Array> {
  const input = protocol.decodeInput(operation, body, req);
  const output = await operations.get(operation)!(services, ctx, input);
  return protocol.encodeOutput(operation, output);
}
