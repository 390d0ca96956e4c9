/**
 * Smithy RPC v2 CBOR codec: `POST [prefix]/service/GameLift/operation/<Operation>` with
 * `smithy-protocol: rpc-v2-cbor` and CBOR bodies (`application/cbor`). The walk over the model's
 * shapes is shared with JSON 1.1 (model/wire.ts); this file holds only what the protocol says:
 *   timestamps   tag 1 around epoch seconds (integer or float, millisecond resolution)
 *   blobs        byte strings
 *   null, undefined   absent
 *   errors       {"__type": "com.amazonaws.gamelift#<Code>", "message", "Message"} (see errorBody), no X-Amzn-ErrorType
 * Bytes that are not one CBOR item (malformed, truncated, or followed by more bytes), or an item of
 * the wrong type: SerializationException (400), as the Smithy protocols answer a malformed body.
 * The CBOR itself is read and written by @smithy/core, the codec AWS's own SDKs use for it.
 */
import { cbor, dateToTag, tagSymbol } from "@smithy/core/cbor";
import type { IncomingMessage } from "node:http";
import { decodeWireInput, encodeWireOutput, epochSecondsToDate, mismatch, type ScalarType, type WireFormat } from "../model/wire.js";
import { serviceModel } from "../model/service-model.js";
import { operations } from "../operations/registry.js";
import type { Protocol } from "./api.js";
import { errorBody, serializationError, ServiceError, unknownOperation } from "./errors.js";

export const CBOR_CONTENT_TYPE = "application/cbor";
export const SMITHY_PROTOCOL = "rpc-v2-cbor";
/** The namespace of GameLift's Smithy shape IDs: error `__type`s are absolute shape IDs. */
const NAMESPACE = "com.amazonaws.gamelift";

/** `[prefix]/service/<service>/operation/<operation>`: only the last four segments route. */
const RPC_PATH = /\/service\/([^/]*)\/operation\/([^/]*)$/;

export const isCborPath = (pathname: string) => RPC_PATH.test(pathname);

const isTag = (value: unknown): value is { tag: number | bigint; value: unknown } =>
  typeof value === "object" && value !== null && tagSymbol in value;

const wire: WireFormat = {
  isNull: (value) => value === null || value === undefined,
  isObject: (value): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !isTag(value),
  describe: (value) => {
    if (Array.isArray(value)) return "an array";
    if (value instanceof Uint8Array) return "a byte string";
    if (isTag(value)) return `a value with tag ${value.tag}`;
    if (typeof value === "bigint") return `the integer ${value}`;
    if (typeof value === "object") return "a map";
    return `${typeof value} ${String(value)}`;
  },
  decodeTimestamp: (value, path) => {
    if (!isTag(value) || value.tag !== 1 || typeof value.value !== "number" || !Number.isFinite(value.value)) {
      throw mismatch(wire, path, "a timestamp (tag 1 around epoch seconds)", value);
    }
    return epochSecondsToDate(value.value, path);
  },
  decodeBlob: (value, path) => {
    if (!(value instanceof Uint8Array)) throw mismatch(wire, path, "a byte string", value);
    return Buffer.from(value);
  },
  encodeScalar: (value: unknown, type: ScalarType) => {
    if (type === "timestamp") return dateToTag(value instanceof Date ? value : new Date(value as number));
    return value;
  },
};

function operationFromPath(req: IncomingMessage, pathname: string): string {
  const [, service = "", operation = ""] = RPC_PATH.exec(pathname) ?? [];
  const { targetPrefix } = serviceModel.metadata;
  if (service !== targetPrefix && service !== `${NAMESPACE}.${targetPrefix}`) {
    throw unknownOperation(
      `Unknown service '${service}' in ${pathname}: this endpoint serves /service/${targetPrefix}/operation/<Operation>.`,
    );
  }
  if (!operations.has(operation)) {
    throw unknownOperation(`Unknown operation '${operation}'. liftlog implements: ${[...operations.keys()].sort().join(", ")}.`);
  }
  checkHeaders(req);
  return operation;
}

/** What the protocol requires of a request's headers (the body's type is checked with the body). */
function checkHeaders(req: IncomingMessage): void {
  const protocol = req.headers["smithy-protocol"];
  if (protocol !== SMITHY_PROTOCOL) {
    throw serializationError(
      `Requests to /service/.../operation/... must carry 'smithy-protocol: ${SMITHY_PROTOCOL}', got ${JSON.stringify(protocol ?? null)}.`,
    );
  }
  // The protocol makes a target header a malformed request, so that no proxy can re-route it.
  for (const header of ["x-amz-target", "x-amzn-target"]) {
    if (req.headers[header] !== undefined) {
      throw serializationError(`An rpc-v2-cbor request must not carry ${header}; the operation is the last segment of the path.`);
    }
  }
}

function decodeInput(operation: string, body: Buffer, req: IncomingMessage): Record<string, unknown> {
  if (body.length === 0) return decodeWireInput(operation, {}, wire);
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== CBOR_CONTENT_TYPE) {
    throw new ServiceError(
      "UnsupportedMediaTypeException",
      `An rpc-v2-cbor request body must be sent as Content-Type: ${CBOR_CONTENT_TYPE}, got ${JSON.stringify(type || null)}.`,
      415,
    );
  }
  let value: unknown;
  // The decoder console.warns about 64-bit lengths before failing on them; a client's bytes must
  // not write to the server's log, so warnings are dropped for this synchronous call.
  const warn = console.warn;
  console.warn = () => {};
  try {
    value = cbor.deserialize(body);
  } catch (err) {
    throw serializationError(`Request body is not valid CBOR: ${(err as Error).message}`);
  } finally {
    console.warn = warn;
  }
  const end = wellFormedEnd(body);
  if (end !== body.length) {
    throw serializationError(
      `Request body is not one CBOR item: ${body.length - end} bytes follow the first item (which ends at byte ${end}). Send the input structure alone.`,
    );
  }
  return decodeWireInput(operation, value, wire);
}

/**
 * Where the body's first CBOR item ends. The decoder reads the first item and ignores what
 * follows, and reads any map key as text whatever its type; this walk of the same bytes finds the
 * item's length and holds the item to RFC 8949's grammar with text keys, as the protocol's maps have.
 */
function wellFormedEnd(body: Buffer): number {
  try {
    return endOfItem(body, 0);
  } catch (err) {
    throw serializationError(`Request body is not valid CBOR: ${(err as Error).message}`);
  }
}

/**
 * The end of the item at `at`. Major types: 0/1 integers, 2/3 byte/text strings, 4 arrays, 5 maps,
 * 6 tags, 7 simple values and floats; additional information 31 on 2-5 is an indefinite length
 * ended by 0xff, whose chunks must be definite strings of the string's own type. `want`: the major
 * type that belongs here (text for a map key, the string's type for a chunk).
 */
function endOfItem(bytes: Buffer, at: number, want?: number, chunk = false): number {
  if (at >= bytes.length) throw new Error(`the body ends inside an item (byte ${at})`);
  const major = bytes[at]! >> 5;
  const info = bytes[at]! & 0x1f;
  if (want !== undefined && major !== want) throw new Error(`byte ${at} starts major type ${major} where major type ${want} belongs`);
  if (info === 31) {
    if (major < 2 || major > 5 || chunk) throw new Error(`byte ${at} is a break or an indefinite length where neither belongs`);
    let next = at + 1;
    let count = 0;
    for (; bytes[next] !== 0xff; count++) {
      next = major < 4 ? endOfItem(bytes, next, major, true) : endOfItem(bytes, next, major === 5 && count % 2 === 0 ? 3 : undefined);
    }
    if (major === 5 && count % 2 === 1) throw new Error(`the map at byte ${at} ends after a key, before its value`);
    return next + 1;
  }
  if (info >= 28) throw new Error(`byte ${at} has reserved additional information ${info}`);
  const argumentBytes = info < 24 ? 0 : 2 ** (info - 24);
  const start = at + 1 + argumentBytes;
  if (start > bytes.length) throw new Error(`the body ends inside an item (byte ${at})`);
  if (major === 0 || major === 1 || major === 7) return start;
  const argument =
    argumentBytes === 0 ? info : argumentBytes === 8 ? Number(bytes.readBigUInt64BE(at + 1)) : bytes.readUIntBE(at + 1, argumentBytes);
  if (major === 2 || major === 3) {
    if (start + argument > bytes.length) throw new Error(`the string at byte ${at} runs past the body's end`);
    return start + argument;
  }
  if (major === 6) return endOfItem(bytes, start);
  let next = start;
  for (let i = 0; i < (major === 5 ? 2 * argument : argument); i++)
    next = endOfItem(bytes, next, major === 5 && i % 2 === 0 ? 3 : undefined);
  return next;
}

export const rpcV2Cbor: Protocol = {
  name: "rpcv2Cbor",
  operation: operationFromPath,
  decodeInput,
  encodeOutput: (operation, output) => cbor.serialize(encodeWireOutput(operation, output, wire)),
  encodeError: (err) => cbor.serialize({ ...errorBody(err), __type: `${NAMESPACE}#${err.code}` }),
  contentType: CBOR_CONTENT_TYPE,
  headers: () => ({ "smithy-protocol": SMITHY_PROTOCOL }),
};
