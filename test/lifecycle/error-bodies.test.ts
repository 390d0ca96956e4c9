/**
 * Error bodies carry what every SDK generation reads: `__type`, `message` (newer SDKs, botocore)
 * and the modelled `Message` member (SDKs generated before late 2024, boto3's e.response["Message"]).
 * Each provoked error is checked against its error shape in the service model: every member the
 * shape has is in the body, and nothing else is but `__type` and `message`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { CreateLocationCommand, DeleteFleetCommand, type GameLiftClient } from "@aws-sdk/client-gamelift";
import { serviceModel } from "../../src/model/service-model.js";
import { pythonToolsMissing } from "../helpers/server.js";
import { rawCall, type RawResponse } from "../interop/raw-api.js";
import { ec2Fleet, manualFixture } from "./helpers.js";

/** One request per error type, over raw HTTP, so the body is seen as sent. */
async function provoke(endpoint: string, client: GameLiftClient, buildId: string): Promise<Map<string, RawResponse>> {
  const missing = "fleet-00000000-0000-4000-8000-000000000000";
  await client.send(new CreateLocationCommand({ LocationName: "custom-taken" }));
  const { FleetAttributes } = await ec2Fleet(client, buildId); // NEW: capacity cannot change yet
  const calls: [string, string | undefined, string, Record<string, string>?][] = [
    ["NotFoundException", "DeleteFleet", JSON.stringify({ FleetId: missing })],
    ["InvalidRequestException", "DeleteFleet", JSON.stringify({ FleetId: "not a fleet" })],
    ["ConflictException", "CreateLocation", JSON.stringify({ LocationName: "custom-taken" })],
    ["InvalidFleetStatusException", "UpdateFleetCapacity", JSON.stringify({ FleetId: FleetAttributes!.FleetId, DesiredInstances: 2 })],
    [
      "UnsupportedRegionException",
      "ListFleets",
      "{}",
      {
        Authorization: `AWS4-HMAC-SHA256 Credential=AKIDLIFTLOGTEST/20250101/xx-nowhere-1/gamelift/aws4_request, SignedHeaders=host, Signature=${"0".repeat(64)}`,
      },
    ],
    ["SerializationException", "ListFleets", "{not json"],
    ["UnknownOperationException", "GameLift.LaunchRockets", "{}"],
  ];
  const out = new Map<string, RawResponse>();
  for (const [code, target, body, headers] of calls) out.set(code, await rawCall(endpoint, target, body, headers));
  return out;
}

describe("error bodies", () => {
  const f = manualFixture();

  it("every error body holds __type, message and the members of the model's error shape", async () => {
    const responses = await provoke(f.server.endpoint, f.client, f.buildId);
    for (const [code, res] of responses) {
      const body = JSON.parse(res.text) as Record<string, unknown>;
      assert.equal(body.__type, code, res.text);
      assert.equal(typeof body.message, "string", res.text);
      assert.ok((body.message as string).length > 0, res.text);
      const errorShape = serviceModel.shapes[code];
      if (!errorShape) {
        // Protocol-level errors (no shape in the model) still carry both spellings.
        assert.deepEqual(Object.keys(body).sort(), ["Message", "__type", "message"], res.text);
        assert.equal(body.Message, body.message);
        continue;
      }
      assert.equal(errorShape.exception, true, `${code} is an error shape of the model`);
      const members = Object.keys(errorShape.members ?? {});
      assert.deepEqual(members, ["Message"], `${code}'s shape has only Message; extend this test if the model grows`);
      assert.deepEqual(Object.keys(body).sort(), [...members, "__type", "message"].sort(), res.text);
      for (const m of members) assert.equal(body[m], body.message, `${code}.${m} holds the message`);
    }
  });

  it(
    "boto3: e.response['Message'] (the modelled member) and e.response['Error']['Message'] both hold the text",
    {
      skip: pythonToolsMissing(),
    },
    () => {
      const script = `
import json, sys, boto3
c = boto3.client("gamelift", region_name="us-west-2", endpoint_url=sys.argv[1],
                 aws_access_key_id="AKIDLIFTLOGTEST", aws_secret_access_key="secret")
try:
    c.delete_fleet(FleetId="fleet-00000000-0000-4000-8000-000000000000")
except c.exceptions.NotFoundException as e:
    print(json.dumps({"modelled": e.response.get("Message"), "error": e.response["Error"]}))
`;
      const run = spawnSync("python3", ["-c", script, f.server.endpoint], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout) as { modelled: string; error: { Code: string; Message: string } };
      const text = "Fleet fleet-00000000-0000-4000-8000-000000000000 not found in account 000000000000, region us-west-2.";
      assert.deepEqual(out, { modelled: text, error: { Code: "NotFoundException", Message: text } });
    },
  );

  // This SDK generation folds the modelled Message member into the exception's message.
  it("JS SDK v3: the typed exception carries the message", async () => {
    const error = await f.client
      .send(new DeleteFleetCommand({ FleetId: "fleet-00000000-0000-4000-8000-000000000000" }))
      .then(() => assert.fail("DeleteFleet of a missing fleet succeeded"))
      .catch((e: Error) => e);
    const text = "Fleet fleet-00000000-0000-4000-8000-000000000000 not found in account 000000000000, region us-west-2.";
    assert.equal(error.name, "NotFoundException");
    assert.equal(error.message, text);
  });
});
