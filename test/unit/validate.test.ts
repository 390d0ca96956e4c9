/** Model-driven validation and decoding, in AWS's wording. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeInput, encodeOutput, encodeError } from "../../src/protocol/json11.js";
import { ServiceError } from "../../src/protocol/errors.js";
import { validationProblems } from "../../src/model/validate.js";

const body = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

function rejects(operation: string, value: unknown, code: string, message: string | RegExp) {
  assert.throws(
    () => decodeInput(operation, body(value)),
    (err: unknown) => {
      assert.ok(err instanceof ServiceError, `expected a ServiceError, got ${err}`);
      assert.equal(err.code, code);
      assert.equal(err.status, 400);
      if (typeof message === "string") assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

const FLEET_PATTERN = "^[a-z]*fleet-[a-zA-Z0-9\\-]+$|^arn:.*:[a-z]*fleet\\/[a-z]*fleet-[a-zA-Z0-9\\-]+$";

describe("request validation from the model", () => {
  it("names the member, the value and the constraint as AWS does", () => {
    rejects(
      "DescribeFleetEvents",
      { FleetId: "not a fleet" },
      "InvalidRequestException",
      `1 validation error detected: Value 'not a fleet' at 'fleetId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${FLEET_PATTERN}`,
    );
  });

  it("reports required members as null", () => {
    rejects(
      "DescribeFleetEvents",
      {},
      "InvalidRequestException",
      "1 validation error detected: Value null at 'fleetId' failed to satisfy constraint: Member must not be null",
    );
  });

  it("counts and joins several failures", () => {
    rejects(
      "DescribeFleetEvents",
      { FleetId: "fleet-1", Limit: 0, NextToken: "" },
      "InvalidRequestException",
      "2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("checks negative limits, lengths, enums and list items", () => {
    rejects(
      "DescribeFleetEvents",
      { FleetId: "fleet-1", Limit: -1 },
      "InvalidRequestException",
      /Value '-1' at 'limit' .* greater than or equal to 1/,
    );
    rejects(
      "DescribeFleetEvents",
      { FleetId: `fleet-${"a".repeat(600)}` },
      "InvalidRequestException",
      /at 'fleetId' failed to satisfy constraint: Member must have length less than or equal to 512/,
    );
    rejects(
      "CreateFleet",
      { Name: "n", FleetType: "CHEAP" },
      "InvalidRequestException",
      /Value 'CHEAP' at 'fleetType' failed to satisfy constraint: Member must satisfy enum value set: \[ON_DEMAND, SPOT\]/,
    );
    rejects("DescribeFleetAttributes", { FleetIds: ["fleet-1", "nope"] }, "InvalidRequestException", /Value 'nope' at 'fleetIds.2.member'/);
    rejects(
      "DescribeFleetAttributes",
      { FleetIds: [] },
      "InvalidRequestException",
      /at 'fleetIds' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );
  });

  it("accepts fleet IDs and ARNs", () => {
    assert.deepEqual(decodeInput("DescribeFleetEvents", body({ FleetId: "fleet-abc-123" })), { FleetId: "fleet-abc-123" });
    const arn = "arn:aws:gamelift:us-west-2:000000000000:fleet/fleet-abc";
    assert.deepEqual(decodeInput("DescribeFleetEvents", body({ FleetId: arn })), { FleetId: arn });
    assert.deepEqual(validationProblems({ FleetId: arn }, "DescribeFleetEventsInput"), []);
  });
});

describe("JSON 1.1 decoding", () => {
  it("refuses a body that is not JSON", () => {
    rejects("DescribeFleetEvents", "{not json", "SerializationException", /^Request body is not valid JSON/);
  });

  it("refuses values of the wrong JSON type, naming the member", () => {
    rejects("DescribeFleetEvents", { FleetId: 42 }, "SerializationException", "Expected a string at 'FleetId' but got number.");
    rejects(
      "DescribeFleetEvents",
      { FleetId: "fleet-1", Limit: "10" },
      "SerializationException",
      `Expected a 32-bit integer at 'Limit' but got "10".`,
    );
    rejects("DescribeFleetEvents", { FleetId: "fleet-1", Limit: 1.5 }, "SerializationException", /32-bit integer at 'Limit'/);
    rejects(
      "DescribeFleetEvents",
      { FleetId: "fleet-1", StartTime: "2024-01-01" },
      "SerializationException",
      /timestamp in epoch seconds .* at 'StartTime'/,
    );
    rejects("DescribeFleetEvents", [], "SerializationException", "Expected an object at 'body' but got array.");
    rejects("DescribeFleetAttributes", { FleetIds: "fleet-1" }, "SerializationException", /Expected a list at 'FleetIds'/);
  });

  it("turns timestamps into Dates with millisecond precision and ignores unknown members", () => {
    const input = decodeInput("DescribeFleetEvents", body({ FleetId: "fleet-1", StartTime: 1469498468.057, Bogus: true }));
    assert.deepEqual(input, { FleetId: "fleet-1", StartTime: new Date(1469498468057) });
  });

  it("treats an empty body as an empty object", () => {
    assert.deepEqual(decodeInput("ListFleets", Buffer.alloc(0)), {});
  });
});

describe("JSON 1.1 encoding", () => {
  it("writes timestamps as epoch seconds with a millisecond fraction and drops absent members", () => {
    const out = encodeOutput("DescribeFleetEvents", {
      Events: [
        {
          EventId: "e",
          EventCode: "FLEET_CREATED",
          EventTime: new Date(1579649342191),
          Message: "m",
          PreSignedLogUrl: undefined,
          Count: 1,
        },
      ],
      NextToken: undefined,
    });
    assert.equal(out, '{"Events":[{"Count":1,"EventCode":"FLEET_CREATED","EventId":"e","EventTime":1579649342.191,"Message":"m"}]}');
  });

  it("writes every string and number as JSON.stringify does: escapes, control characters, surrogates, non-ASCII", () => {
    const texts = [
      'quote " and \\ backslash',
      "tab\tnew\nline\u0000\u001f",
      "lone \ud800 and \udfff",
      "pair 😀",
      "é ü 中 \u2028 \u2029",
      "",
      "plain",
    ];
    for (const text of texts) {
      const event = { EventId: text, Message: text, EventTime: new Date(-1), Count: 2 ** 53 + 2 };
      const expected = JSON.stringify({
        Events: [{ Count: event.Count, EventId: text, EventTime: -0.001, Message: text }],
        NextToken: text,
      });
      assert.equal(encodeOutput("DescribeFleetEvents", { Events: [event], NextToken: text }), expected);
    }
  });

  it("encodes errors as __type and the message as both message and Message", () => {
    assert.equal(
      encodeError(new ServiceError("NotFoundException", "gone")),
      '{"__type":"NotFoundException","message":"gone","Message":"gone"}',
    );
  });
});
