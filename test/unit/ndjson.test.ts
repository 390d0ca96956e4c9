/**
 * NDJSON bodies read chunk by chunk (src/admin/ndjson.ts): however the bytes are cut into chunks
 * (inside a line, inside a multi-byte character, at a newline), the same values come out in the
 * same order, and a bad line is named by the same line number as in the whole body.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_LINE_BYTES, NdjsonLines } from "../../src/admin/ndjson.js";
import { ServiceError } from "../../src/protocol/errors.js";

/** Feeds `body` cut at `cuts` (byte offsets); returns the values taken, or the error the body ends with. */
async function read(body: Buffer, cuts: number[]): Promise<{ values: unknown[]; error?: ServiceError }> {
  const values: unknown[] = [];
  const lines = new NdjsonLines((value) => {
    values.push(value);
    return undefined;
  });
  const at = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...at, body.length]) {
    if (cut > from) await lines.push(body.subarray(from, cut));
    from = Math.max(from, cut);
  }
  try {
    await lines.end();
    return { values };
  } catch (err) {
    assert.ok(err instanceof ServiceError, String(err));
    return { values, error: err };
  }
}

const value = fc.oneof(
  fc.record({ EventCode: fc.constantFrom("GENERIC_EVENT", "FLEET_CREATED"), Message: fc.string({ unit: "grapheme", maxLength: 12 }) }),
  fc.constant(null),
  fc.integer(),
);
const line = fc.oneof(
  { weight: 6, arbitrary: value.map((v) => JSON.stringify(v)).map((text) => ({ text, value: JSON.parse(text) as unknown })) },
  { weight: 1, arbitrary: fc.constantFrom("", "  ", "\r").map((text) => ({ text, value: undefined })) },
);

describe("NDJSON bodies read chunk by chunk", () => {
  it("give every line's value in order, however the body is cut", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (lines, finalNewline, cuts) => {
          const body = Buffer.from(lines.map((l) => l.text).join("\n") + (finalNewline ? "\n" : ""));
          const got = await read(body, cuts);
          assert.equal(got.error, undefined);
          assert.deepEqual(
            got.values,
            lines.filter((l) => l.text.trim() !== "").map((l) => l.value),
          );
        },
      ),
      { numRuns: 500, seed: 14 },
    );
  });

  it("name the first bad line (not JSON, not UTF-8, too long) by its number, however the body is cut", async () => {
    const bad = {
      json: {
        bytes: Buffer.from('{"EventCode": "GENERIC_EVENT"'),
        error: /^Line (\d+) is not valid JSON: /,
        type: "SerializationException",
      },
      utf8: {
        bytes: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
        error: /^Line (\d+) is not valid UTF-8/,
        type: "SerializationException",
      },
      long: {
        bytes: Buffer.from(JSON.stringify({ Message: "x".repeat(MAX_LINE_BYTES) })),
        error: new RegExp(`^Line (\\d+) is longer than ${MAX_LINE_BYTES} bytes`),
        type: "InvalidRequestException",
      },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 8 }),
        fc.constantFrom(...(Object.keys(bad) as (keyof typeof bad)[])),
        fc.array(line, { maxLength: 4 }),
        fc.constantFrom(...(Object.keys(bad) as (keyof typeof bad)[])),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (before, kind, between, laterKind, cuts) => {
          const parts = [
            ...before.map((l) => Buffer.from(l.text)),
            bad[kind].bytes,
            ...between.map((l) => Buffer.from(l.text)),
            bad[laterKind].bytes,
          ];
          const body = Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [Buffer.from("\n"), p])));
          const got = await read(
            body,
            cuts.map((c) => c * 977),
          );
          assert.equal(got.error?.code, bad[kind].type);
          assert.equal(Number(bad[kind].error.exec(got.error!.message)?.[1]), before.length + 1, got.error!.message);
          assert.match(got.error!.message, /Nothing in this batch was stored\.$/);
        },
      ),
      { numRuns: 60, seed: 14 },
    );
  });
});
