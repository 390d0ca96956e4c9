/**
 * compileCheck (the model's constraints compiled once, for hot paths such as ingest) must accept
 * exactly what validationProblems accepts: on model-shaped inputs of every operation, and on
 * events (the shape ingest checks thousands of times per batch) with values at each bound.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { serviceModel } from "../../src/model/service-model.js";
import { compileCheck, validationProblems } from "../../src/model/validate.js";
import { inputs } from "../helpers/fuzz.js";

/** "ok", "bad", or "throws", as each side sees the value. */
function outcome(check: () => boolean): string {
  try {
    return check() ? "ok" : "bad";
  } catch {
    return "throws";
  }
}

/**
 * Both take values already of the right JSON types (the protocol layer checks types first); a value
 * of a wrong type may throw on either side, and only where neither throws must they agree.
 */
function agree(value: unknown, shapeName: string): void {
  const generic = outcome(() => validationProblems(value, shapeName).length === 0);
  const compiled = outcome(() => compileCheck(shapeName)(value));
  if (generic === "throws" || compiled === "throws") return;
  assert.equal(compiled, generic, `${shapeName}: ${JSON.stringify(value)}`);
}

const edge = (n: number) => fc.constantFrom("", "x".repeat(n - 1), "x".repeat(n), "x".repeat(n + 1));

describe("compiled model checks", () => {
  it("agree with validationProblems on generated inputs of every operation", () => {
    const operations = Object.keys(serviceModel.operations);
    fc.assert(
      fc.property(inputs(operations), ({ operation, input }) => agree(input, serviceModel.operations[operation]!.input!.shape)),
      { numRuns: 3000, seed: 14 },
    );
  });

  it("agree on events at every bound: codes, lengths, counts, NUL", () => {
    const event = fc.record(
      {
        EventCode: fc.oneof(fc.constantFrom("FLEET_CREATED", "GENERIC_EVENT", "FLEET_STATE_ACTIVE", "NOPE", "", "fleet_created")),
        Message: fc.oneof(fc.string({ maxLength: 5 }), fc.constantFrom("", "a\u0000b", "ok")),
        ResourceId: fc.oneof(edge(1024), fc.constant("i-\u0000")),
        EventId: edge(1024),
        Count: fc.integer({ min: -2, max: 104 }),
        EventTime: fc.double({ noNaN: true }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(event, (e) => agree(e, "Event")),
      { numRuns: 3000, seed: 14 },
    );
  });

  it("agree on fleet references (pattern and length)", () => {
    const ref = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        "fleet-1",
        "fleet-",
        "xfleet-abc",
        "arn:aws:gamelift:us-west-2:000000000000:fleet/fleet-1",
        "arn:aws:gamelift:us-west-2:000000000000:fleet/fleet-1\n",
        `fleet-${"a".repeat(506)}`,
        `fleet-${"a".repeat(507)}`,
      ),
    );
    fc.assert(
      fc.property(ref, (r) => agree(r, "FleetIdOrArn")),
      { numRuns: 2000, seed: 14 },
    );
  });
});
