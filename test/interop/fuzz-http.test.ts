/**
 * Property-based fuzzing over HTTP against the real server: generated bodies (model-shaped with
 * wrong types mixed in, and damaged bytes) for every operation, in AWS JSON 1.1 and RPC v2 CBOR.
 * Every answer is a 200 or a 4xx whose __type is an error the model or the protocol names; the
 * server logs no internal error and still serves afterwards.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cbor } from "@smithy/core/cbor";
import { serviceModel } from "../../src/model/service-model.js";
import { operations } from "../../src/operations/registry.js";
import { damaged, inputs, toCbor, toJson } from "../helpers/fuzz.js";
import { startServer, type RunningServer } from "../helpers/server.js";
import { rawCall, rawCborCall } from "./raw-api.js";

const RUNS = 300;
const OPERATIONS = [...operations.keys()].sort();
/** Every error a client may see: the model's error shapes and the protocol-level ones. */
const MODELLED = new Set([
  ...Object.entries(serviceModel.shapes)
    .filter(([, s]) => s.exception)
    .map(([name]) => name),
  "SerializationException",
  "UnknownOperationException",
  "UnsupportedMediaTypeException",
  "RequestEntityTooLargeException",
]);

describe("fuzz over HTTP: both protocols against the real server", () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ args: ["--clock", "manual"] });
  });
  after(async () => {
    await server?.dispose();
  });

  it(`answers ${RUNS} generated requests per protocol with a success or a modelled 4xx`, async (t) => {
    const statuses = new Map<string, number>();
    const tally = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const check = (protocol: string, status: number, type: string | undefined, what: string) => {
      if (status !== 200) {
        assert.ok(status >= 400 && status < 500, `${protocol} ${what}: status ${status} (${type})`);
        assert.ok(type && MODELLED.has(type), `${protocol} ${what}: unmodelled error type ${type}`);
      }
      tally(`${protocol} ${status === 200 ? "200" : `${status} ${type}`}`);
    };
    const body = inputs(OPERATIONS).map(({ input }) => input);
    const request = fc.record({
      generated: inputs(OPERATIONS),
      broken: fc.boolean(),
      jsonBytes: damaged(body.map((input) => Buffer.from(toJson(input)))),
      cborBytes: damaged(body.map(toCbor)),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ generated: { operation, input }, broken, jsonBytes, cborBytes }) => {
        const viaJson = await rawCall(server.endpoint, operation, broken ? Buffer.from(jsonBytes) : toJson(input));
        let type: string | undefined;
        if (viaJson.status !== 200) type = (JSON.parse(viaJson.text) as { __type?: string }).__type;
        check("json", viaJson.status, type, `${operation} ${viaJson.text.slice(0, 200)}`);
        const viaCbor = await rawCborCall(server.endpoint, operation, broken ? cborBytes : toCbor(input));
        const decoded = viaCbor.status === 200 ? undefined : (cbor.deserialize(viaCbor.body) as { __type?: string; message?: string });
        check("cbor", viaCbor.status, decoded?.__type?.split("#")[1], `${operation} ${decoded?.message}`);
      }),
      { numRuns: RUNS },
    );
    t.diagnostic(
      `${RUNS} generated requests x 2 protocols: ${[...statuses]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ")}`,
    );
    const health = await fetch(`${server.endpoint}/_liftlog/health`);
    assert.equal(health.status, 200);
    assert.doesNotMatch(server.output(), /InternalServiceException|unexpected error|"level":50/);
  });
});
