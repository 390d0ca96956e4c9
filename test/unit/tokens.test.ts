/** Pagination tokens: bound to their request by HMAC, refused otherwise. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { TokenSigner } from "../../src/operations/tokens.js";
import { ServiceError } from "../../src/protocol/errors.js";

const signer = new TokenSigner(randomBytes(32));
const binding = ["DescribeFleetEvents", "000000000000", "us-west-2", "fleet-a", 1000, null];

function refused(token: string, b: unknown[], message: RegExp) {
  assert.throws(
    () => signer.open(token, b),
    (err: unknown) => err instanceof ServiceError && err.code === "InvalidRequestException" && message.test(err.message),
  );
}

describe("pagination tokens", () => {
  it("round-trip the position for the same request", () => {
    const token = signer.seal(binding, [1700000000123, 42]);
    assert.deepEqual(signer.open(token, binding), [1700000000123, 42]);
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "URL- and shell-safe");
  });

  it("are refused for another fleet, time range, account or region", () => {
    const token = signer.seal(binding, [1, 2]);
    for (const [i, value] of [
      [1, "111111111111"],
      [2, "eu-west-1"],
      [3, "fleet-b"],
      [4, 999],
      [5, 2000],
    ] as const) {
      const other = [...binding];
      other[i] = value;
      refused(token, other, /does not belong to this request/);
    }
  });

  it("are refused when tampered with", () => {
    const token = signer.seal(binding, [1, 2]);
    const [payload, mac] = token.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify([1, 999999])).toString("base64url");
    refused(`${forged}.${mac}`, binding, /does not belong to this request/);
    const flipped = mac.slice(0, -2) + (mac.endsWith("AA") ? "BB" : "AA");
    refused(`${payload}.${flipped}`, binding, /does not belong to this request/);
  });

  it("are refused when they are not tokens at all", () => {
    for (const garbage of ["garbage", "a.b", ".", "x".repeat(1024), "eyJ9.", "%%%.%%%"]) {
      refused(garbage, binding, /not a token this service issued/);
    }
  });

  it("from another server secret are refused", () => {
    const token = new TokenSigner(randomBytes(32)).seal(binding, [1, 2]);
    refused(token, binding, /does not belong to this request/);
  });
});
