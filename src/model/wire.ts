/**
 * The part of every protocol codec that only the model decides: walking an operation's input or
 * output shape member by member, then validating the input. A protocol supplies only what differs
 * on its wire (how a scalar, a timestamp or a blob looks; what counts as an object or as null).
 *
 *   wire value -> decodeWireInput -> typed input  (wrong wire type: SerializationException,
 *                                                 constraint failure: InvalidRequestException)
 *   typed output -> encodeWireOutput -> wire value
 *
 * Members the model does not know are ignored, as AWS services do.
 */
import { serializationError, type ServiceError } from "../protocol/errors.js";
import { operationModel, shape, type Shape } from "./service-model.js";
import { validate } from "./validate.js";

export type ScalarType = Exclude<Shape["type"], "structure" | "list" | "map">;

export interface WireFormat {
  /** A value the protocol reads as "absent" (JSON null; CBOR null and undefined). */
  isNull(value: unknown): boolean;
  /** A value that can stand for a structure or a map (a JSON object, a CBOR map). */
  isObject(value: unknown): value is Record<string, unknown>;
  /** A timestamp member as a Date, or throws a SerializationException (use `mismatch`). */
  decodeTimestamp(value: unknown, path: string): Date;
  /** A blob member's bytes, or throws a SerializationException. */
  decodeBlob(value: unknown, path: string): Buffer;
  /** The wire form of a typed scalar. */
  encodeScalar(value: unknown, type: ScalarType): unknown;
  /** How a wrong value is named in messages ("array", "byte string", ...). */
  describe(value: unknown): string;
}

/** The SerializationException for a value of the wrong wire type at `path`. */
export function mismatch(wire: WireFormat, path: string, expected: string, value: unknown): ServiceError {
  const shown = typeof value === "string" ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : wire.describe(value);
  return serializationError(`Expected ${expected} at '${path || "body"}' but got ${shown}.`);
}

/** A Date from epoch seconds, to the millisecond; SerializationException past Date's range. */
export function epochSecondsToDate(seconds: number, path: string): Date {
  const date = new Date(Math.round(seconds * 1000));
  if (Number.isNaN(date.getTime())) {
    throw serializationError(`Timestamp ${seconds} at '${path}' is out of range: epoch seconds must lie within ±8.64e12.`);
  }
  return date;
}

function decodeValue(value: unknown, s: Shape, path: string, wire: WireFormat): unknown {
  if (wire.isNull(value)) return undefined;
  switch (s.type) {
    case "structure": {
      if (!wire.isObject(value)) throw mismatch(wire, path, "an object", value);
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        // Own members only: a decoder may let a body set an object's prototype.
        if (!Object.hasOwn(value, name)) continue;
        const decoded = decodeValue(value[name], shape(ref.shape), path ? `${path}.${name}` : name, wire);
        if (decoded !== undefined) out[name] = decoded;
      }
      return out;
    }
    case "list": {
      if (!Array.isArray(value)) throw mismatch(wire, path, "a list", value);
      const item = shape(s.member!.shape);
      return value.map((v, i) => decodeValue(v, item, `${path}[${i}]`, wire));
    }
    case "map": {
      if (!wire.isObject(value)) throw mismatch(wire, path, "a map", value);
      const valueShape = shape(s.value!.shape);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v, valueShape, `${path}.${k}`, wire)]));
    }
    case "timestamp":
      return wire.decodeTimestamp(value, path);
    case "blob":
      return wire.decodeBlob(value, path);
    default:
      return decodePlainScalar(value, s.type, path, wire);
  }
}

/** Strings, booleans and numbers: both protocols' decoders give them as JavaScript's own types. */
function decodePlainScalar(value: unknown, type: ScalarType, path: string, wire: WireFormat): unknown {
  switch (type) {
    case "string":
      if (typeof value !== "string") throw mismatch(wire, path, "a string", value);
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw mismatch(wire, path, "a boolean", value);
      return value;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
        throw mismatch(wire, path, "a 32-bit integer", value);
      }
      return value;
    case "long":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw mismatch(wire, path, "an integer within ±2^53", value);
      return value;
    default: // double, float
      if (typeof value !== "number") throw mismatch(wire, path, "a number", value);
      return value;
  }
}

type Encoder = (value: unknown) => unknown;

/**
 * Each shape's encoder, compiled once per wire format from the model: the member walk (names,
 * shapes, which encoder each takes) is decided here, not looked up again for every value.
 */
const compiled = new WeakMap<WireFormat, Map<string, Encoder>>();

/**
 * The encoding of values that cannot change (frozen structures, e.g. events a page cache holds),
 * kept as long as the value lives: a structure's wire form depends on nothing but its members.
 */
const encodedFrozen = new WeakMap<WireFormat, WeakMap<object, unknown>>();

function encoderFor(shapeName: string, wire: WireFormat): Encoder {
  let encoders = compiled.get(wire);
  if (!encoders) compiled.set(wire, (encoders = new Map()));
  const known = encoders.get(shapeName);
  if (known) return known;
  // Registered before its members compile, so a recursive shape finds itself.
  let encode: Encoder = () => {
    throw new Error(`encoder for ${shapeName} used while compiling`);
  };
  encoders.set(shapeName, (value) => encode(value));
  encode = compile(shape(shapeName), wire);
  encoders.set(shapeName, encode);
  return encode;
}

function compile(s: Shape, wire: WireFormat): Encoder {
  switch (s.type) {
    case "structure":
      return compileStructure(s, wire);
    case "list": {
      const item = encoderFor(s.member!.shape, wire);
      return (value) => (value === undefined || value === null ? undefined : (value as unknown[]).map(item));
    }
    case "map": {
      const item = encoderFor(s.value!.shape, wire);
      return (value) =>
        value === undefined || value === null
          ? undefined
          : Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, item(v)]));
    }
    default: {
      const type = s.type;
      return (value) => (value === undefined || value === null ? undefined : wire.encodeScalar(value, type));
    }
  }
}

function compileStructure(s: Shape, wire: WireFormat): Encoder {
  const members = Object.entries(s.members ?? {}).map(([name, ref]) => ({ name, encode: encoderFor(ref.shape, wire) }));
  let frozen = encodedFrozen.get(wire);
  if (!frozen) encodedFrozen.set(wire, (frozen = new WeakMap()));
  const memo = frozen;
  const encode = (value: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const { name, encode: member } of members) {
      const encoded = member(value[name]);
      if (encoded !== undefined) out[name] = encoded;
    }
    return out;
  };
  return memoizeFrozen(memo, encode);
}

/**
 * A structure's encoder from `encode`: absent stays absent, and a frozen value's encoding is kept in
 * `memo` while the value lives (it cannot change, so neither can its encoding).
 */
export function memoizeFrozen<T>(
  memo: WeakMap<object, T>,
  encode: (value: Record<string, unknown>) => T,
): (value: unknown) => T | undefined {
  return (value) => {
    if (value === undefined || value === null) return undefined;
    if (!Object.isFrozen(value)) return encode(value as Record<string, unknown>);
    let out = memo.get(value);
    if (out === undefined) memo.set(value, (out = encode(value as Record<string, unknown>)));
    return out;
  };
}

/** The typed, validated input of `operation` from its decoded wire body. */
export function decodeWireInput(operation: string, body: unknown, wire: WireFormat): Record<string, unknown> {
  const op = operationModel(operation);
  if (!op.input) return {};
  const typed = (decodeValue(body, shape(op.input.shape), "", wire) as Record<string, unknown> | undefined) ?? {};
  validate(typed, op.input.shape);
  return typed;
}

/** The wire form of `operation`'s typed output (an empty structure when it has none). */
export function encodeWireOutput(operation: string, output: unknown, wire: WireFormat): unknown {
  const op = operationModel(operation);
  if (!op.output) return {};
  return encoderFor(op.output.shape, wire)(output ?? {}) ?? {};
}

/** Any value of a named shape in a wire form (the event feed shapes events as the API does). */
export function encodeWireShape(shapeName: string, value: unknown, wire: WireFormat): unknown {
  return encoderFor(shapeName, wire)(value);
}
