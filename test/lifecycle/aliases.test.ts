/**
 * Aliases through the JS SDK v3 against the real server: SIMPLE and TERMINAL routing, ResolveAlias
 * (TerminalRoutingStrategyException carries the alias's message), updates, listing filters, tags,
 * deletion, and scoping by account and region.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DescribeAliasCommand,
  ListAliasesCommand,
  ListTagsForResourceCommand,
  ResolveAliasCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-gamelift";
import { gamelift } from "../helpers/server.js";
import { advance, clockNow, ec2Fleet, manualFixture, rejectsWith } from "./helpers.js";

describe("aliases", () => {
  const f = manualFixture();

  it("a SIMPLE alias resolves to its fleet; UpdateAlias repoints it; times and ARN are GameLift's", async () => {
    const blue = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
    const green = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
    const created = await clockNow(f.server.endpoint);
    const { Alias: alias } = await f.client.send(
      new CreateAliasCommand({ Name: "live", Description: "players go here", RoutingStrategy: { Type: "SIMPLE", FleetId: blue.FleetId } }),
    );
    const id = alias!.AliasId!;
    assert.match(id, /^alias-[0-9a-f-]{36}$/);
    assert.deepEqual(alias, {
      AliasId: id,
      AliasArn: `arn:aws:gamelift:us-west-2:000000000000:alias/${id}`,
      Name: "live",
      Description: "players go here",
      RoutingStrategy: { Type: "SIMPLE", FleetId: blue.FleetId },
      CreationTime: new Date(created),
      LastUpdatedTime: new Date(created),
    });
    assert.deepEqual(
      await f.client.send(new ResolveAliasCommand({ AliasId: id })).then(({ FleetId, FleetArn }) => ({ FleetId, FleetArn })),
      {
        FleetId: blue.FleetId,
        FleetArn: blue.FleetArn,
      },
    );

    const later = await advance(f.server.endpoint, 90);
    const { Alias: updated } = await f.client.send(
      new UpdateAliasCommand({ AliasId: alias!.AliasArn, RoutingStrategy: { Type: "SIMPLE", FleetId: green.FleetId } }),
    );
    assert.deepEqual(updated, { ...alias, RoutingStrategy: { Type: "SIMPLE", FleetId: green.FleetId }, LastUpdatedTime: new Date(later) });
    assert.deepEqual((await f.client.send(new DescribeAliasCommand({ AliasId: id }))).Alias, updated);
    assert.equal((await f.client.send(new ResolveAliasCommand({ AliasId: alias!.AliasArn }))).FleetId, green.FleetId);
  });

  it("a TERMINAL alias resolves to a TerminalRoutingStrategyException with its message", async () => {
    const { Alias: alias } = await f.client.send(
      new CreateAliasCommand({ Name: "retired", RoutingStrategy: { Type: "TERMINAL", Message: "Version 1 is retired: update the game." } }),
    );
    assert.deepEqual(alias!.RoutingStrategy, { Type: "TERMINAL", Message: "Version 1 is retired: update the game." });
    await rejectsWith(
      f.client.send(new ResolveAliasCommand({ AliasId: alias!.AliasId })),
      "TerminalRoutingStrategyException",
      "Version 1 is retired: update the game.",
    );
  });

  it("routing strategies GameLift refuses are InvalidRequestException; unknown aliases NotFoundException", async () => {
    const fleet = (await ec2Fleet(f.client, f.buildId)).FleetAttributes!;
    const create = (RoutingStrategy: object) =>
      f.client.send(new CreateAliasCommand({ Name: "bad", RoutingStrategy: RoutingStrategy as never }));
    await rejectsWith(create({ Type: "SIMPLE" }), "InvalidRequestException", /SIMPLE routing strategy needs the FleetId/);
    await rejectsWith(
      create({ Type: "TERMINAL", FleetId: fleet.FleetId }),
      "InvalidRequestException",
      /TERMINAL routing strategy routes to no fleet/,
    );
    await rejectsWith(create({ FleetId: fleet.FleetId }), "InvalidRequestException", /RoutingStrategy needs a Type/);
    await rejectsWith(
      create({ Type: "SIMPLE", FleetId: "fleet-00000000-0000-4000-8000-000000000000" }),
      "InvalidRequestException",
      /Fleet fleet-00000000-0000-4000-8000-000000000000 not found in account 000000000000, region us-west-2/,
    );
    const missing = "alias-00000000-0000-4000-8000-000000000000";
    for (const command of [
      new DescribeAliasCommand({ AliasId: missing }),
      new ResolveAliasCommand({ AliasId: missing }),
      new DeleteAliasCommand({ AliasId: missing }),
      new UpdateAliasCommand({ AliasId: missing, Name: "x" }),
    ]) {
      await rejectsWith(
        f.client.send(command as never),
        "NotFoundException",
        `Alias ${missing} not found in account 000000000000, region us-west-2.`,
      );
    }
  });

  it("ListAliases filters by routing type and name and pages; DeleteAlias removes one; tags work by alias ARN", async () => {
    const other = gamelift(f.server.endpoint, "us-west-2", "222222222222");
    const before = (await f.client.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasId);
    const made: string[] = [];
    for (const [name, message] of [
      ["list-a", "a"],
      ["list-b", "b"],
      ["list-a", "c"],
    ]) {
      const { Alias } = await f.client.send(
        new CreateAliasCommand({
          Name: name,
          RoutingStrategy: { Type: "TERMINAL", Message: message },
          Tags: [{ Key: "team", Value: name! }],
        }),
      );
      made.push(Alias!.AliasId!);
    }
    const all = (await f.client.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasId);
    assert.deepEqual(all, [...before, ...made], "creation order");
    const named = (await f.client.send(new ListAliasesCommand({ Name: "list-a" }))).Aliases!.map((a) => a.AliasId);
    assert.deepEqual(named, [made[0], made[2]]);
    const simple = (await f.client.send(new ListAliasesCommand({ RoutingStrategyType: "SIMPLE" }))).Aliases!;
    assert.ok(simple.every((a) => a.RoutingStrategy!.Type === "SIMPLE") && simple.length >= 1);
    const page = await f.client.send(new ListAliasesCommand({ Name: "list-a", Limit: 1 }));
    assert.deepEqual(
      page.Aliases!.map((a) => a.AliasId),
      [made[0]],
    );
    const rest = await f.client.send(new ListAliasesCommand({ Name: "list-a", Limit: 1, NextToken: page.NextToken }));
    assert.deepEqual([rest.Aliases!.map((a) => a.AliasId), rest.NextToken], [[made[2]], undefined]);
    await rejectsWith(
      f.client.send(new ListAliasesCommand({ Name: "list-b", NextToken: page.NextToken })),
      "InvalidRequestException",
      /Invalid NextToken/,
    );

    const arn = `arn:aws:gamelift:us-west-2:000000000000:alias/${made[1]}`;
    await f.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "stage", Value: "prod" }] }));
    assert.deepEqual((await f.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, [
      { Key: "team", Value: "list-b" },
      { Key: "stage", Value: "prod" },
    ]);

    // Another account, and another region, see none of these aliases.
    assert.deepEqual((await other.send(new ListAliasesCommand({}))).Aliases, []);
    await rejectsWith(
      other.send(new DescribeAliasCommand({ AliasId: made[0] })),
      "NotFoundException",
      /not found in account 222222222222, region us-west-2/,
    );
    const oregonArnInOhio = gamelift(f.server.endpoint, "us-east-2");
    await rejectsWith(oregonArnInOhio.send(new ResolveAliasCommand({ AliasId: arn })), "NotFoundException", /region us-east-2/);
    other.destroy();
    oregonArnInOhio.destroy();

    await f.client.send(new DeleteAliasCommand({ AliasId: arn }));
    await rejectsWith(f.client.send(new DescribeAliasCommand({ AliasId: made[1] })), "NotFoundException", /not found/);
    assert.deepEqual((await f.client.send(new ListAliasesCommand({ Name: "list-b" }))).Aliases, []);
  });
});
