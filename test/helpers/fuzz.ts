/**
 * Generated inputs for the fuzz tests: request bodies shaped by the service model (every member
 * optional, values mostly of the right type, sometimes of any JSON type at all), encoded for either
 * protocol, and byte strings that are mostly not a valid body.
 */
import fc from "fast-check";
import { cbor, dateToTag } from "@smithy/core/cbor";
import { serviceModel, shape, type Shape } from "../../src/model/service-model.js";

/** A value that a well-meaning client might send for `s`, or, now and then, any JSON value at all. */
function valueFor(s: Shape, depth: number): fc.Arbitrary<unknown> {
  const wrong = fc.jsonValue({ maxDepth: 2 });
  return fc.oneof({ weight: 24, arbitrary: rightTypeFor(s, depth) }, { weight: 1, arbitrary: wrong });
}

function rightTypeFor(s: Shape, depth: number): fc.Arbitrary<unknown> {
  switch (s.type) {
    case "structure": {
      if (depth > 3) return fc.constant({});
      const members = Object.fromEntries(
        Object.entries(s.members ?? {}).map(([name, ref]) => [name, valueFor(shape(ref.shape), depth + 1)]),
      );
      return fc.record(members, { requiredKeys: [] });
    }
    case "list":
      return fc.array(valueFor(shape(s.member!.shape), depth + 1), { maxLength: depth > 2 ? 1 : 4 });
    case "map":
      return fc.dictionary(fc.string({ maxLength: 8 }), valueFor(shape(s.value!.shape), depth + 1), { maxKeys: 3 });
    case "string":
      return fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(...(s.enum ?? ["x"])),
        fc.constantFrom(
          "fleet-00000000-0000-0000-0000-000000000000",
          "arn:aws:gamelift:us-west-2:000000000000:fleet/fleet-1",
          "build-1",
          "",
        ),
        fc.string({ unit: "grapheme", maxLength: 5 }),
      );
    case "boolean":
      return fc.boolean();
    case "integer":
    case "long":
      return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.integer(), fc.maxSafeInteger());
    case "float":
    case "double":
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case "timestamp":
      return fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true });
    case "blob":
      return fc.uint8Array({ maxLength: 16 });
  }
}

/** A generated input for one of `operations`: its name and the value (typed: Dates, Uint8Arrays). */
export function inputs(operations: string[]): fc.Arbitrary<{ operation: string; input: unknown }> {
  return fc.oneof(
    ...operations.map((operation) => {
      const ref = serviceModel.operations[operation]!.input;
      const body = ref ? valueFor(shape(ref.shape), 0) : fc.constant({});
      return body.map((input) => ({ operation, input }));
    }),
  );
}

/** The value as an AWS JSON 1.1 body: Dates as epoch seconds, bytes as base64. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (key, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof Date) return raw.getTime() / 1000;
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString("base64");
    return v;
  });
}

/** The value as an RPC v2 CBOR body: Dates as tag 1, bytes as byte strings. */
export function toCbor(value: unknown): Uint8Array {
  const walk = (v: unknown): unknown => {
    if (v instanceof Date) return dateToTag(v);
    if (v instanceof Uint8Array || v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(walk);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return cbor.serialize(walk(value));
}

/** Bytes that are mostly not a valid body: random, a valid body cut short, or one byte changed. */
export function damaged(body: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    body.chain((b) => fc.nat({ max: Math.max(0, b.length - 1) }).map((n) => b.subarray(0, n))),
    body.chain((b) =>
      fc.tuple(fc.nat({ max: Math.max(0, b.length - 1) }), fc.integer({ min: 0, max: 255 })).map(([i, x]) => {
        const copy = Uint8Array.from(b);
        if (copy.length > 0) copy[i] = x;
        return copy;
      }),
    ),
  );
}
