/**
 * AWS JSON 1.1 codec, driven by the service model.
 *
 *   decodeInput(op, body)    bytes -> JSON -> typed input (timestamps become Date, blobs Buffer)
 *        |  not JSON, or a value of the wrong JSON type ........ SerializationException (400)
 *        |  model constraints (required, length, pattern, ...) .. InvalidRequestException (400)
 *   encodeOutput(op, value)  typed output -> JSON text (Date becomes epoch seconds with ms fraction)
 *   encodeError(err)         ServiceError -> {"__type", "message", "Message"} (see errorBody)
 *
 * Anything else thrown while decoding is a bug in this codec and surfaces as a 500 from the caller.
 * Members the model does not know are ignored, as AWS services do.
 */
import { operationModel, serviceModel, shape, type Shape } from "../model/service-model.js";
import { validate } from "../model/validate.js";
import { errorBody, serializationError, type ServiceError } from "./errors.js";

export const JSON11_CONTENT_TYPE = "application/x-amz-json-1.1";

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function mismatch(path: string, expected: string, value: unknown): ServiceError {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : typeName(value);
  return serializationError(`Expected ${expected} at '${path || "body"}' but got ${shown}.`);
}

function decodeValue(value: unknown, s: Shape, path: string): unknown {
  if (value === null) return undefined; // JSON null is "absent", as in AWS's JSON protocols
  switch (s.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) throw mismatch(path, "an object", value);
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        // Only the body's own members: JSON objects inherit names such as "constructor".
        if (!Object.hasOwn(value, name)) continue;
        const member = (value as Record<string, unknown>)[name];
        if (member === undefined) continue;
        const decoded = decodeValue(member, shape(ref.shape), path ? `${path}.${name}` : name);
        if (decoded !== undefined) out[name] = decoded;
      }
      return out;
    }
    case "list": {
      if (!Array.isArray(value)) throw mismatch(path, "a list", value);
      const item = shape(s.member!.shape);
      return value.map((v, i) => decodeValue(v, item, `${path}[${i}]`));
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw mismatch(path, "a map", value);
      const valueShape = shape(s.value!.shape);
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, decodeValue(v, valueShape, `${path}.${k}`)]),
      );
    }
    case "string":
      if (typeof value !== "string") throw mismatch(path, "a string", value);
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw mismatch(path, "a boolean", value);
      return value;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
        throw mismatch(path, "a 32-bit integer", value);
      }
      return value;
    case "long":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw mismatch(path, "an integer", value);
      return value;
    case "double":
    case "float":
      if (typeof value !== "number") throw mismatch(path, "a number", value);
      return value;
    case "timestamp": {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw mismatch(path, "a timestamp in epoch seconds (e.g. 1469498468.057)", value);
      }
      const date = new Date(Math.round(value * 1000));
      if (Number.isNaN(date.getTime())) {
        throw serializationError(`Timestamp ${value} at '${path}' is out of range: epoch seconds must lie within ±8.64e12.`);
      }
      return date;
    }
    case "blob":
      if (typeof value !== "string") throw mismatch(path, "a base64 string", value);
      return Buffer.from(value, "base64");
    default:
      return value;
  }
}

function encodeValue(value: unknown, s: Shape): unknown {
  if (value === undefined || value === null) return undefined;
  switch (s.type) {
    case "structure": {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        const encoded = encodeValue((value as Record<string, unknown>)[name], shape(ref.shape));
        if (encoded !== undefined) out[name] = encoded;
      }
      return out;
    }
    case "list":
      return (value as unknown[]).map((v) => encodeValue(v, shape(s.member!.shape)));
    case "map": {
      const valueShape = shape(s.value!.shape);
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, encodeValue(v, valueShape)]));
    }
    case "timestamp": {
      const ms = value instanceof Date ? value.getTime() : (value as number);
      return ms / 1000;
    }
    case "blob":
      return (value as Buffer).toString("base64");
    default:
      return value;
  }
}

export function operationNames(): string[] {
  return Object.keys(serviceModel.operations);
}

/** Parses and validates a request body for `operation` into its typed input. */
export function decodeInput(operation: string, body: Buffer): Record<string, unknown> {
  const op = operationModel(operation);
  let json: unknown;
  const text = body.toString("utf8");
  try {
    json = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    throw serializationError(`Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!op.input) return {};
  const input = decodeValue(json, shape(op.input.shape), "") as Record<string, unknown> | undefined;
  const typed = input ?? {};
  validate(typed, op.input.shape);
  return typed;
}

export function encodeOutput(operation: string, output: unknown): string {
  const op = operationModel(operation);
  if (!op.output) return "{}";
  return JSON.stringify(encodeValue(output ?? {}, shape(op.output.shape)) ?? {});
}

/** Encodes any value of a named shape (the admin API reuses the model's shapes). */
export function encodeShape(shapeName: string, value: unknown): unknown {
  return encodeValue(value, shape(shapeName));
}

export function encodeError(err: ServiceError): string {
  return JSON.stringify(errorBody(err));
}
