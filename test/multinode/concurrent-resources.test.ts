/**
 * Two nodes on one PostgreSQL database changing the same build, alias, script or container group
 * definition at the same moment: every change is kept (tags added on both nodes all end up on the
 * build, each new definition version gets its own number), a name is created once, and a deleted
 * resource does not come back through an update that raced its deletion.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateAliasCommand,
  CreateLocationCommand,
  DeleteBuildCommand,
  DeleteContainerGroupDefinitionCommand,
  DescribeAliasCommand,
  DescribeBuildCommand,
  ListContainerGroupDefinitionVersionsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateBuildCommand,
  UpdateContainerGroupDefinitionCommand,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { startServer, gamelift, type RunningServer } from "../helpers/server.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";
import { gameContainerGroup, gameServerContainer, readyBuild } from "../lifecycle/helpers.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP concurrent resource writes on two nodes: ${skip}`);

const ACCOUNT_REGION = "arn:aws:gamelift:us-west-2:000000000000";

describe("concurrent writes to one resource from two PostgreSQL nodes", { skip }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let nodes: RunningServer[] = [];
  let clients: GameLiftClient[] = [];
  /** The i-th call goes to node i % 2. */
  const on = (i: number) => clients[i % 2]!;

  before(async () => {
    db = await createTestDatabase();
    nodes = await Promise.all([0, 1].map(() => startServer({ args: ["--db", db.url] })));
    clients = nodes.map((n) => gamelift(n.endpoint));
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(nodes.map((n) => n.dispose()));
    await db?.drop();
  });

  it("20 TagResource calls on one build at once, half on each node: every tag is kept", async () => {
    const buildId = await readyBuild(clients[0]!);
    const ResourceARN = `${ACCOUNT_REGION}:build/${buildId}`;
    const keys = Array.from({ length: 20 }, (_, i) => `key-${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((Key, i) => on(i).send(new TagResourceCommand({ ResourceARN, Tags: [{ Key, Value: `v${i}` }] }))));
    const { Tags } = await clients[1]!.send(new ListTagsForResourceCommand({ ResourceARN }));
    assert.deepEqual(
      [...Tags!].sort((a, b) => a.Key!.localeCompare(b.Key!)),
      keys.map((Key, i) => ({ Key, Value: `v${i}` })),
    );
  });

  it("10 UpdateContainerGroupDefinition calls at once, half on each node: versions 2 to 11, each once", async () => {
    await gameContainerGroup(clients[0]!);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        on(i).send(
          new UpdateContainerGroupDefinitionCommand({
            Name: "game",
            GameServerContainerDefinition: gameServerContainer(i + 2),
            VersionDescription: `from call ${i}`,
          }),
        ),
      ),
    );
    const { ContainerGroupDefinitions } = await clients[0]!.send(new ListContainerGroupDefinitionVersionsCommand({ Name: "game" }));
    const versions = ContainerGroupDefinitions!.map((d) => d.VersionNumber!).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      Array.from({ length: 11 }, (_, i) => i + 1),
    );
    const descriptions = ContainerGroupDefinitions!.filter((d) => d.VersionNumber! > 1).map((d) => d.VersionDescription);
    assert.deepEqual([...descriptions].sort(), Array.from({ length: 10 }, (_, i) => `from call ${i}`).sort(), "each call's version");
  });

  it("deleting a definition's only version while another node adds one: the added version is kept", async () => {
    for (let round = 0; round < 10; round++) {
      const Name = `race-${round}`;
      await gameContainerGroup(clients[0]!, Name);
      const [deleted, updated] = await Promise.allSettled([
        on(0).send(new DeleteContainerGroupDefinitionCommand({ Name, VersionNumber: 1 })),
        on(1).send(new UpdateContainerGroupDefinitionCommand({ Name, GameServerContainerDefinition: gameServerContainer(2) })),
      ]);
      assert.equal(deleted.status, "fulfilled", `${Name}: the delete`);
      const left = await clients[0]!.send(new ListContainerGroupDefinitionVersionsCommand({ Name })).then(
        (r) => r.ContainerGroupDefinitions!.map((d) => d.VersionNumber),
        (err: Error) => err.name,
      );
      if (updated.status === "fulfilled") assert.deepEqual(left, [2], `${Name}: the update's version survives the delete of version 1`);
      else {
        assert.equal((updated.reason as Error).name, "NotFoundException", Name);
        assert.equal(left, "NotFoundException", `${Name}: deleted before the update`);
      }
    }
  });

  it("CreateLocation of one name on both nodes at once: one is created, the other is a ConflictException", async () => {
    for (let round = 0; round < 5; round++) {
      const LocationName = `custom-race-${round}`;
      const results = await Promise.allSettled([0, 1].map((i) => on(i).send(new CreateLocationCommand({ LocationName }))));
      const created = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(created.length, 1, LocationName);
      assert.equal(refused.length, 1, LocationName);
      assert.equal((refused[0]!.reason as Error).name, "ConflictException");
    }
  });

  it("updates racing a deletion: the build stays deleted, and an alias's updates from both nodes each apply once", async () => {
    const buildId = await readyBuild(clients[0]!);
    const updates = Array.from({ length: 10 }, (_, i) => on(i + 1).send(new UpdateBuildCommand({ BuildId: buildId, Name: `name-${i}` })));
    const deleted = clients[0]!.send(new DeleteBuildCommand({ BuildId: buildId }));
    const settled = await Promise.allSettled([...updates, deleted]);
    for (const r of settled) if (r.status === "rejected") assert.equal((r.reason as Error).name, "NotFoundException");
    assert.equal(settled.at(-1)!.status, "fulfilled", "the delete");
    await assert.rejects(clients[1]!.send(new DescribeBuildCommand({ BuildId: buildId })), { name: "NotFoundException" });

    const { Alias } = await clients[0]!.send(
      new CreateAliasCommand({ Name: "racing", RoutingStrategy: { Type: "TERMINAL", Message: "none yet" } }),
    );
    await Promise.all([
      on(0).send(new UpdateAliasCommand({ AliasId: Alias!.AliasId, Description: "described on node 0" })),
      on(1).send(new UpdateAliasCommand({ AliasId: Alias!.AliasId, Name: "renamed-on-node-1" })),
    ]);
    const { Alias: after } = await clients[1]!.send(new DescribeAliasCommand({ AliasId: Alias!.AliasId }));
    assert.deepEqual([after!.Name, after!.Description], ["renamed-on-node-1", "described on node 0"]);
  });
});
