/**
 * Property-based fuzzing of both protocol codecs and the model validator (in process, fast-check):
 * generated request bodies for every implemented operation, shaped by the model with wrong types
 * mixed in, and damaged bytes. Every outcome must be a typed input or a modelled 4xx error; the two
 * protocols must agree on the same logical body.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import fc from "fast-check";
import { operations } from "../../src/operations/registry.js";
import { rpcV2Cbor } from "../../src/protocol/cbor.js";
import { ServiceError } from "../../src/protocol/errors.js";
import { json11 } from "../../src/protocol/json11.js";
import { damaged, inputs, toCbor, toJson } from "../helpers/fuzz.js";

const RUNS = 4000;
const OPERATIONS = [...operations.keys()].sort();
const cborRequest = { headers: { "content-type": "application/cbor" } } as unknown as IncomingMessage;
const jsonRequest = { headers: {} } as unknown as IncomingMessage;

type Outcome = { ok: string } | { code: string; message: string };

/** A decode's outcome; anything thrown that is not a 4xx ServiceError fails the property. */
function outcome(decode: () => Record<string, unknown>): Outcome {
  try {
    return { ok: toJson(decode()) };
  } catch (err) {
    if (!(err instanceof ServiceError)) throw new Error(`not a modelled error: ${(err as Error)?.stack ?? String(err)}`);
    assert.ok(err.status >= 400 && err.status < 500, `${err.code} with status ${err.status}`);
    assert.ok(["SerializationException", "InvalidRequestException"].includes(err.code), err.code);
    return { code: err.code, message: err.message };
  }
}

describe("fuzz: both codecs and the validator", () => {
  it(`model-shaped bodies for ${OPERATIONS.length} operations decode alike in JSON 1.1 and CBOR, or fail with a modelled 4xx`, (t) => {
    const seen = { ok: 0, serialization: 0, validation: 0 };
    fc.assert(
      fc.property(inputs(OPERATIONS), ({ operation, input }) => {
        const viaJson = outcome(() => json11.decodeInput(operation, Buffer.from(toJson(input)), jsonRequest));
        const viaCbor = outcome(() => rpcV2Cbor.decodeInput(operation, Buffer.from(toCbor(input)), cborRequest));
        if ("ok" in viaJson) seen.ok++;
        else if (viaJson.code === "SerializationException") seen.serialization++;
        else seen.validation++;
        // CBOR is the stricter wire (a timestamp must be tag 1, a blob a byte string, where JSON takes
        // a number and a base64 string): whatever it decodes, JSON decodes the same, and the same
        // value fails validation alike; whatever JSON cannot decode, neither can CBOR.
        if ("ok" in viaCbor || viaCbor.code === "InvalidRequestException") assert.deepEqual(viaJson, viaCbor);
        if (!("ok" in viaJson) && viaJson.code === "SerializationException")
          assert.equal((viaCbor as { code?: string }).code, viaJson.code);
      }),
      { numRuns: RUNS },
    );
    t.diagnostic(
      `${RUNS} generated bodies x 2 protocols: ${seen.ok} decoded, ${seen.serialization} SerializationException, ${seen.validation} InvalidRequestException, 0 other`,
    );
    // The generator must reach all three outcomes, or the property proves little.
    assert.ok(seen.ok > RUNS / 40 && seen.serialization > RUNS / 40 && seen.validation > RUNS / 40, JSON.stringify(seen));
  });

  it("damaged bytes: every decode ends in a typed input or a modelled 4xx, never anything else", (t) => {
    let errors = 0;
    const body = inputs(OPERATIONS).map(({ input }) => input);
    fc.assert(
      fc.property(
        fc.constantFrom(...OPERATIONS),
        damaged(body.map((input) => Buffer.from(toJson(input)))),
        damaged(body.map(toCbor)),
        (operation, jsonBytes, cborBytes) => {
          if (!("ok" in outcome(() => json11.decodeInput(operation, Buffer.from(jsonBytes), jsonRequest)))) errors++;
          if (!("ok" in outcome(() => rpcV2Cbor.decodeInput(operation, Buffer.from(cborBytes), cborRequest)))) errors++;
        },
      ),
      { numRuns: RUNS },
    );
    t.diagnostic(`${RUNS} damaged bodies x 2 protocols: ${errors} refused with a modelled 4xx, ${2 * RUNS - errors} decoded, 0 other`);
  });
});
