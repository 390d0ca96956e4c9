/**
 * Builds and Realtime scripts through the JS SDK v3: UpdateBuild, RequestUploadCredentials, the
 * script operations, and a Realtime fleet created from a script going through the creation events.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateBuildCommand,
  CreateFleetCommand,
  CreateScriptCommand,
  DeleteScriptCommand,
  DescribeBuildCommand,
  DescribeScriptCommand,
  ListFleetsCommand,
  ListScriptsCommand,
  ListTagsForResourceCommand,
  RequestUploadCredentialsCommand,
  UpdateBuildCommand,
  UpdateScriptCommand,
} from "@aws-sdk/client-gamelift";
import { advance, allEvents, chronological, clockNow, CREATION, fleetStatus, manualFixture, rejectsWith } from "./helpers.js";

describe("builds and scripts", () => {
  const f = manualFixture();

  it("UpdateBuild renames and re-versions; RequestUploadCredentials answers for a build waiting for its files", async () => {
    const { Build } = await f.client.send(new UpdateBuildCommand({ BuildId: f.buildId, Name: "game-renamed", Version: "1.1" }));
    assert.deepEqual([Build!.BuildId, Build!.Name, Build!.Version, Build!.Status], [f.buildId, "game-renamed", "1.1", "READY"]);
    assert.deepEqual((await f.client.send(new DescribeBuildCommand({ BuildId: f.buildId }))).Build, Build);
    await rejectsWith(
      f.client.send(new RequestUploadCredentialsCommand({ BuildId: f.buildId })),
      "InvalidRequestException",
      /is READY; upload credentials are for a build still waiting for its files \(INITIALIZED\)/,
    );
    const waiting = (await f.client.send(new CreateBuildCommand({ Name: "upload-me" }))).Build!.BuildId!;
    const creds = await f.client.send(new RequestUploadCredentialsCommand({ BuildId: waiting }));
    assert.deepEqual(creds.StorageLocation, { Bucket: "gamelift-builds-us-west-2", Key: `000000000000/${waiting}` });
    assert.equal(creds.UploadCredentials!.AccessKeyId, "ASIALIFTLOGNOUPLOAD");
    await rejectsWith(
      f.client.send(new UpdateBuildCommand({ BuildId: "build-missing", Name: "x" })),
      "NotFoundException",
      /Build build-missing not found/,
    );
  });

  it("scripts: create from a zip or S3, describe, update, list, tag, delete; a Realtime fleet runs one", async () => {
    const created = await clockNow(f.server.endpoint);
    const zip = Buffer.from("PK\u0003\u0004 realtime script");
    const { Script } = await f.client.send(
      new CreateScriptCommand({ Name: "lobby", Version: "1", ZipFile: zip, Tags: [{ Key: "team", Value: "net" }] }),
    );
    const id = Script!.ScriptId!;
    assert.match(id, /^script-[0-9a-f-]{36}$/);
    assert.deepEqual(Script, {
      ScriptId: id,
      ScriptArn: `arn:aws:gamelift:us-west-2:000000000000:script/${id}`,
      Name: "lobby",
      Version: "1",
      SizeOnDisk: zip.length,
      NodeJsVersion: "10.x",
      CreationTime: new Date(created),
    });
    const s3 = { Bucket: "scripts", Key: "lobby-2.zip", RoleArn: "arn:aws:iam::111122223333:role/gl" };
    const { Script: updated } = await f.client.send(
      new UpdateScriptCommand({ ScriptId: Script!.ScriptArn, Version: "2", StorageLocation: s3 }),
    );
    assert.deepEqual(updated, { ...Script, Version: "2", SizeOnDisk: 0, StorageLocation: s3 });
    assert.deepEqual((await f.client.send(new DescribeScriptCommand({ ScriptId: id }))).Script, updated);
    const other = (await f.client.send(new CreateScriptCommand({ Name: "arena", StorageLocation: s3, NodeJsVersion: "24.x" }))).Script!;
    const listed = await f.client.send(new ListScriptsCommand({ Limit: 1 }));
    const rest = await f.client.send(new ListScriptsCommand({ Limit: 1, NextToken: listed.NextToken }));
    assert.deepEqual([...listed.Scripts!, ...rest.Scripts!], [updated, other]);
    assert.deepEqual((await f.client.send(new ListTagsForResourceCommand({ ResourceARN: Script!.ScriptArn }))).Tags, [
      { Key: "team", Value: "net" },
    ]);

    const runtime = { ServerProcesses: [{ LaunchPath: "/local/game/lobby.js", ConcurrentExecutions: 2 }] };
    const { FleetAttributes } = await f.client.send(
      new CreateFleetCommand({ Name: "realtime", ScriptId: id, EC2InstanceType: "c5.large", RuntimeConfiguration: runtime }),
    );
    assert.deepEqual([FleetAttributes!.ScriptId, FleetAttributes!.ScriptArn, FleetAttributes!.BuildId], [id, Script!.ScriptArn, undefined]);
    await advance(f.server.endpoint, 460);
    assert.equal(await fleetStatus(f.client, FleetAttributes!.FleetId!), "ACTIVE");
    assert.deepEqual(
      chronological(await allEvents(f.client, FleetAttributes!.FleetId!)).map((e) => e.EventCode),
      CREATION,
    );
    assert.deepEqual((await f.client.send(new ListFleetsCommand({ ScriptId: Script!.ScriptArn }))).FleetIds, [FleetAttributes!.FleetId]);

    await f.client.send(new DeleteScriptCommand({ ScriptId: other.ScriptId }));
    await rejectsWith(f.client.send(new DescribeScriptCommand({ ScriptId: other.ScriptId })), "NotFoundException", /Script .* not found/);
    await rejectsWith(
      f.client.send(
        new CreateFleetCommand({ Name: "rt", ScriptId: other.ScriptId, EC2InstanceType: "c5.large", RuntimeConfiguration: runtime }),
      ),
      "NotFoundException",
      new RegExp(`Script ${other.ScriptId} not found in account 000000000000, region us-west-2`),
    );
    await rejectsWith(
      f.client.send(new CreateScriptCommand({ Name: "empty" })),
      "InvalidRequestException",
      /needs its files: give ZipFile or StorageLocation/,
    );
    await rejectsWith(
      f.client.send(new CreateScriptCommand({ Name: "both", ZipFile: zip, StorageLocation: s3 })),
      "InvalidRequestException",
      /either as ZipFile or as StorageLocation, not both/,
    );
  });
});
