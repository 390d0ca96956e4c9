/**
 * AWS JSON 1.1 codec: `POST /`, `X-Amz-Target: GameLift.<Operation>`, JSON bodies. The walk over
 * the model's shapes is shared with the other protocols (model/wire.ts); this file holds only what
 * JSON 1.1 says about each value:
 *   timestamps   epoch seconds with a millisecond fraction (1469498468.057)
 *   blobs        base64 strings
 *   errors       {"__type": "<Code>", "message": "...", "Message": "..."} (see errorBody)
 * Not JSON at all, or a value of the wrong JSON type: SerializationException (400).
 */
import {
  decodeWireInput,
  encodeWireShape,
  epochSecondsToDate,
  memoizeFrozen,
  mismatch,
  type ScalarType,
  type WireFormat,
} from "../model/wire.js";
import type { IncomingMessage } from "node:http";
import { operationModel, serviceModel, shape } from "../model/service-model.js";
import { operations } from "../operations/registry.js";
import type { Protocol } from "./api.js";
import { errorBody, serializationError, unknownOperation, type ServiceError } from "./errors.js";

export const JSON11_CONTENT_TYPE = "application/x-amz-json-1.1";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const json: WireFormat = {
  isNull: (value) => value === null, // JSON null is "absent", as in AWS's JSON protocols
  isObject: (value): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value),
  describe: (value) => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value),
  decodeTimestamp: (value, path) => {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw mismatch(json, path, "a timestamp in epoch seconds (e.g. 1469498468.057)", value);
    }
    return epochSecondsToDate(value, path);
  },
  decodeBlob: (value, path) => {
    // Buffer.from skips characters that are not base64; a garbled blob must fail, not shrink.
    if (typeof value !== "string" || !BASE64.test(value)) throw mismatch(json, path, "a base64 string", value);
    return Buffer.from(value, "base64");
  },
  encodeScalar: (value: unknown, type: ScalarType) => {
    if (type === "timestamp") return (value instanceof Date ? value.getTime() : (value as number)) / 1000;
    if (type === "blob") return (value as Buffer).toString("base64");
    return value;
  },
};

/** Parses and validates a request body for `operation` into its typed input. */
export function decodeInput(operation: string, body: Buffer): Record<string, unknown> {
  let value: unknown;
  const text = body.toString("utf8");
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    throw serializationError(`Request body is not valid JSON: ${(err as Error).message}`);
  }
  return decodeWireInput(operation, value, json);
}

/** The JSON text of `operation`'s typed output: what JSON.stringify(encodeWireOutput(...)) gives, written directly. */
export function encodeOutput(operation: string, output: unknown): string {
  const op = operationModel(operation);
  if (!op.output) return "{}";
  return textEncoder(op.output.shape)(output ?? {}) ?? "{}";
}

/** A shape's JSON text, or undefined for an absent value (as JSON.stringify leaves out undefined members). */
type TextEncoder = (value: unknown) => string | undefined;

/**
 * Each shape's text encoder, compiled once from the model: the output is written as JSON text
 * member by member, without first building the wire object. Frozen structures (the events a page
 * cache holds) keep their text for as long as they live.
 */
const textEncoder = perShape(compileText);
const frozenText = new WeakMap<object, string>();

/** Each shape's function, compiled once by `compile` at first use. */
function perShape<T>(compile: (shapeName: string) => (value: unknown) => T | undefined) {
  const compiled = new Map<string, (value: unknown) => T | undefined>();
  return (shapeName: string) => {
    const known = compiled.get(shapeName);
    if (known) return known;
    // Registered before its members compile, so a recursive shape finds itself.
    let fn: (value: unknown) => T | undefined = () => undefined;
    compiled.set(shapeName, (value) => fn(value));
    fn = compile(shapeName);
    compiled.set(shapeName, fn);
    return fn;
  };
}

function compileText(shapeName: string): TextEncoder {
  const s = shape(shapeName);
  switch (s.type) {
    case "structure": {
      const members = Object.entries(s.members ?? {}).map(([name, ref]) => ({
        name,
        key: `${JSON.stringify(name)}:`,
        encode: textEncoder(ref.shape),
      }));
      const encode = (value: Record<string, unknown>) => {
        let out = "";
        for (const member of members) {
          const text = member.encode(value[member.name]);
          if (text !== undefined) out += (out === "" ? "{" : ",") + member.key + text;
        }
        return out === "" ? "{}" : `${out}}`;
      };
      return memoizeFrozen(frozenText, encode);
    }
    case "list": {
      const item = textEncoder(s.member!.shape);
      const plain = shape(s.member!.shape).type === "structure" ? plainValue(s.member!.shape) : undefined;
      return (value) => {
        if (value === undefined || value === null) return undefined;
        const values = value as unknown[];
        // Structures made for this call (a deep page's events) go through one JSON.stringify: on a
        // 100-event page it costs about a fifth less than the text, member by member; kept (frozen)
        // ones keep their text.
        if (plain !== undefined && !values.some(isFrozenObject)) return JSON.stringify(values.map(plain));
        let out = "[";
        for (let i = 0; i < values.length; i++) out += (i === 0 ? "" : ",") + (item(values[i]) ?? "null");
        return `${out}]`;
      };
    }
    case "map":
      // Maps keep JSON.stringify's own key order (integer-like keys first): they go through it whole.
      return (value) => (value === undefined || value === null ? undefined : JSON.stringify(encodeWireShape(shapeName, value, json)));
    default: {
      const type = s.type;
      return (value) => (value === undefined || value === null ? undefined : scalarText(json.encodeScalar(value, type)));
    }
  }
}

const isFrozenObject = (value: unknown) => typeof value === "object" && value !== null && Object.isFrozen(value);

/** A shape's value as JSON.stringify gives the JSON 1.1 text of it: undefined for an absent value. */
type PlainValue = (value: unknown) => unknown;

const plainValue = perShape(compilePlain);

/** Absent (undefined or null, as the text encoders take them) is undefined, which JSON.stringify leaves out. */
const AS_IS: PlainValue = (value) => value ?? undefined;

function compilePlain(shapeName: string): PlainValue {
  const s = shape(shapeName);
  switch (s.type) {
    case "structure": {
      // An object literal with the members in the model's order (the text encoders' order): objects
      // of one shape then share one layout, which JSON.stringify walks fastest; made with the
      // Function constructor from the model's member names (quoted by JSON.stringify) because a
      // loop that sets members one by one costs as much as the text it replaces.
      const members = Object.entries(s.members ?? {}).map(([name, ref]) => {
        // In an object literal this name would set the prototype instead of a member.
        if (name === "__proto__") throw new Error(`model: structure ${shapeName} has a member named __proto__`);
        return { key: JSON.stringify(name), build: plainValue(ref.shape) };
      });
      const body = members.map(({ key }, i) => `${key}: b[${i}](v[${key}])`).join(", ");
      const literal = new Function("b", `return (v) => ({ ${body} });`)(members.map((m) => m.build)) as PlainValue;
      return (value) => (value === undefined || value === null ? undefined : literal(value));
    }
    case "list": {
      const item = plainValue(s.member!.shape);
      return (value) => (value === undefined || value === null ? undefined : (value as unknown[]).map(item));
    }
    case "map":
      return (value) => (value === undefined || value === null ? undefined : encodeWireShape(shapeName, value, json));
    case "timestamp":
    case "blob": {
      const type = s.type;
      return (value) => (value === undefined || value === null ? undefined : json.encodeScalar(value, type));
    }
    default:
      return AS_IS;
  }
}

/** What JSON.stringify escapes in a string: quotes, backslashes, control characters, surrogates (paired ones too, to be safe). */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify's text of a scalar, for less: a page has hundreds of them, and JSON.stringify
 * called on each cost about three times what quoting a string that needs no escapes does.
 */
function scalarText(value: unknown): string {
  if (typeof value === "string") return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** Any value of a named shape as JSON 1.1 carries it (the event feed shapes events as the API does). */
export function encodeShape(shapeName: string, value: unknown): unknown {
  return encodeWireShape(shapeName, value, json);
}

export function encodeError(err: ServiceError): string {
  return JSON.stringify(errorBody(err));
}

function operationFromTarget(req: IncomingMessage): string {
  const target = req.headers["x-amz-target"];
  const prefix = `${serviceModel.metadata.targetPrefix}.`;
  if (typeof target !== "string" || target === "") {
    throw unknownOperation("Missing X-Amz-Target header: name the operation as GameLift.<Operation>.");
  }
  const name = target.startsWith(prefix) ? target.slice(prefix.length) : undefined;
  if (!name || !operations.has(name)) {
    throw unknownOperation(
      `Unknown operation '${target}'. liftlog implements: ${[...operations.keys()]
        .sort()
        .map((o) => prefix + o)
        .join(", ")}.`,
    );
  }
  return name;
}

export const json11: Protocol = {
  name: "awsJson1_1",
  operation: operationFromTarget,
  decodeInput,
  encodeOutput,
  encodeError,
  contentType: JSON11_CONTENT_TYPE,
  headers: (error): Record<string, string> => (error ? { "x-amzn-ErrorType": error.code } : {}),
};
