/**
 * The fleet API through the JS SDK v3 against the real server: events outlive their fleet, fleets
 * are invisible across accounts and regions (by ID and by ARN), and ListFleets /
 * DescribeFleetAttributes page through every fleet exactly once with the SDK's own paginators.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFleetCommand,
  CreateScriptCommand,
  CreateLocationCommand,
  DeleteFleetCommand,
  DescribeFleetAttributesCommand,
  DescribeFleetEventsCommand,
  ListFleetsCommand,
  paginateDescribeFleetAttributes,
  paginateDescribeFleetEvents,
  paginateListFleets,
  type Event,
  type GameLiftClient,
} from "@aws-sdk/client-gamelift";
import { admin, gamelift, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { STORES } from "./stores.js";
import { REGION } from "./fleet-log.js";

async function allEvents(client: GameLiftClient, fleetId: string): Promise<Event[]> {
  const events: Event[] = [];
  for await (const page of paginateDescribeFleetEvents({ client }, { FleetId: fleetId })) events.push(...page.Events!);
  return events;
}

/** Polls `check` until it returns a value (the simulated lifecycle runs on a clock), for at most 20 s. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fleet CreateFleet accepts without a build: an ANYWHERE fleet, on a custom location of the caller's. */
const CUSTOM_LOCATION = "custom-interop-rack";
async function anywhereFleet(client: GameLiftClient, name: string) {
  await client.send(new CreateLocationCommand({ LocationName: CUSTOM_LOCATION })).catch((err: Error) => {
    if (err.name !== "ConflictException") throw err;
  });
  return client.send(new CreateFleetCommand({ Name: name, ComputeType: "ANYWHERE", Locations: [{ Location: CUSTOM_LOCATION }] }));
}

async function expectNotFound(call: Promise<unknown>, fleetRef: string): Promise<void> {
  await assert.rejects(call, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, "NotFoundException", err.message);
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.ok(err.message.includes(fleetRef), err.message);
    return true;
  });
}

for (const store of STORES) {
  describe(`fleets on ${store.name}`, { skip: store.skip }, () => {
    let db: Awaited<ReturnType<typeof store.open>>;
    let server: RunningServer;
    const clients: GameLiftClient[] = [];
    let client: GameLiftClient;
    const clientFor = (region = REGION, accessKeyId?: string) => {
      const c = gamelift(server.endpoint, region, accessKeyId);
      clients.push(c);
      return c;
    };

    before(async () => {
      db = await store.open();
      // Deletion passes through DELETING for the length of the "deleting" stage: keep it short here.
      server = await startServer({ args: [...db.args, "--stage-seconds", "deleting=1"] });
      client = clientFor();
    });
    after(async () => {
      for (const c of clients) c.destroy();
      await server?.dispose();
      await db?.drop();
    });

    it("events outlive their fleet: after DeleteFleet the log still reads, FLEET_CREATED to FLEET_DELETED", async () => {
      const { FleetAttributes } = await anywhereFleet(client, "short-lived");
      const { FleetId, FleetArn } = FleetAttributes!;
      const before = await allEvents(client, FleetId!);
      assert.equal(before.at(-1)!.EventCode, "FLEET_CREATED", "the oldest event");
      await client.send(new DeleteFleetCommand({ FleetId: FleetArn }));

      const afterDelete = await eventually("FLEET_DELETED", async () => {
        const events = await allEvents(client, FleetId!);
        return events[0]?.EventCode === "FLEET_DELETED" ? events : undefined;
      });
      // Nothing before the deletion was lost: the earlier log is the tail of the later one.
      const ids = (events: Event[]) => events.map((e) => `${e.EventId} ${e.EventCode}`);
      assert.deepEqual(ids(afterDelete).slice(-before.length), ids(before));
      assert.equal(afterDelete.at(-1)!.EventCode, "FLEET_CREATED");
      assert.equal(afterDelete[0]!.ResourceId, FleetId);
      assert.deepEqual(ids(await allEvents(client, FleetArn!)), ids(afterDelete), "by ARN too");

      await eventually("the fleet to leave the listings", async () => {
        const { FleetAttributes: byId } = await client.send(new DescribeFleetAttributesCommand({ FleetIds: [FleetId!] }));
        const { FleetIds } = await client.send(new ListFleetsCommand({}));
        return byId!.length === 0 && !FleetIds!.includes(FleetId!) ? true : undefined;
      });
      const { FleetAttributes: all } = await client.send(new DescribeFleetAttributesCommand({}));
      assert.ok(!all!.some((f) => f.FleetId === FleetId));
      await expectNotFound(client.send(new DeleteFleetCommand({ FleetId })), FleetId!);
    });

    it("a fleet with no events yet: one empty page, no NextToken", async () => {
      const fleet = await registerFleet(server.endpoint, REGION);
      const pages = [];
      for await (const page of paginateDescribeFleetEvents({ client, pageSize: 1 }, { FleetId: fleet.FleetId })) pages.push(page);
      assert.deepEqual(
        pages.map((p) => [p.Events, p.NextToken]),
        [[[], undefined]],
      );
    });

    it("an external fleet's log outlives the FLEET_DELETED ingested for it", async () => {
      const fleet = await registerFleet(server.endpoint, REGION);
      // Status follows events from the fleet's registration on (older ones are history), so: now.
      const nowMs = Date.now();
      const events = [
        { EventCode: "FLEET_STATE_ACTIVE", Message: "active", EventTime: nowMs / 1000 },
        { EventCode: "FLEET_DELETED", Message: "gone", EventTime: (nowMs + 60_250) / 1000 },
      ];
      const res = await admin(server.endpoint, "/_liftlog/events", { FleetId: fleet.FleetArn, Events: events });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const log = await allEvents(client, fleet.FleetId);
      assert.deepEqual(
        log.map((e) => [e.EventId, e.EventCode, e.EventTime!.getTime()]),
        [
          [res.body.EventIds![1], "FLEET_DELETED", nowMs + 60_250],
          [res.body.EventIds![0], "FLEET_STATE_ACTIVE", nowMs],
        ],
      );
      const { FleetAttributes } = await client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleet.FleetId] }));
      assert.deepEqual(FleetAttributes, []);
    });

    it("fleets are invisible from other accounts and regions, by ID and by ARN", async () => {
      const created = await anywhereFleet(client, "private");
      const FleetId: string = created.FleetAttributes!.FleetId!;
      const FleetArn: string = created.FleetAttributes!.FleetArn!;
      assert.equal(FleetArn, `arn:aws:gamelift:${REGION}:000000000000:fleet/${FleetId}`);
      const outsiders = [clientFor(REGION, "111111111111"), clientFor("eu-west-1"), clientFor("eu-west-1", "111111111111")];
      for (const outsider of outsiders) {
        for (const ref of [FleetId, FleetArn]) {
          await expectNotFound(outsider.send(new DescribeFleetEventsCommand({ FleetId: ref })), ref);
          await expectNotFound(outsider.send(new DeleteFleetCommand({ FleetId: ref })), ref);
          const { FleetAttributes: seen } = await outsider.send(new DescribeFleetAttributesCommand({ FleetIds: [ref] }));
          assert.deepEqual(seen, []);
        }
        const { FleetIds } = await outsider.send(new ListFleetsCommand({}));
        assert.ok(!FleetIds!.includes(FleetId!));
      }
      // An ARN naming another account or region does not reach this caller's fleet of that ID either.
      for (const forged of [FleetArn!.replace(":000000000000:", ":111111111111:"), FleetArn!.replace(`:${REGION}:`, ":eu-west-1:")]) {
        await expectNotFound(client.send(new DescribeFleetEventsCommand({ FleetId: forged })), forged);
      }
      // And the owner still sees it.
      const events = await allEvents(client, FleetArn!);
      assert.equal(events.at(-1)!.EventCode, "FLEET_CREATED");
    });

    describe("ListFleets and DescribeFleetAttributes paging", () => {
      let pager: GameLiftClient;
      let expected: string[];

      before(async () => {
        // A caller of its own (account 222222222222) so the fleets of the tests above do not count.
        pager = clientFor(REGION, "222222222222");
        const created: string[] = [];
        for (let i = 0; i < 23; i++) {
          if (i % 4 === 0) {
            const { FleetAttributes } = await anywhereFleet(pager, `paged-${i}`);
            created.push(FleetAttributes!.FleetId!);
          } else {
            created.push((await registerFleet(server.endpoint, REGION, "222222222222")).FleetId);
          }
        }
        // Neighbours that must not show: another region of the same account, another account.
        await registerFleet(server.endpoint, "eu-west-1", "222222222222");
        await registerFleet(server.endpoint, REGION, "333333333333");
        // Deleted fleets drop out of the listings, wherever they are in the order.
        const deleted = [created[0]!, created[12]!, created[22]!];
        for (const id of deleted) await pager.send(new DeleteFleetCommand({ FleetId: id }));
        expected = created.filter((id) => !deleted.includes(id));
        await eventually("deleted fleets to leave the listings", async () => {
          const { FleetIds } = await pager.send(new ListFleetsCommand({ Limit: 1000 }));
          return FleetIds!.some((id) => deleted.includes(id)) ? undefined : true;
        });
      });

      for (const pageSize of [1, 4, 20, undefined]) {
        it(`paginateListFleets, pageSize ${pageSize ?? "default"}: every fleet once, in creation order`, async () => {
          const seen: string[] = [];
          const pages: number[] = [];
          for await (const page of paginateListFleets({ client: pager, ...(pageSize ? { pageSize } : {}) }, {})) {
            seen.push(...page.FleetIds!);
            pages.push(page.FleetIds!.length);
          }
          assert.deepEqual(seen, expected);
          assert.equal(pages.length, Math.ceil(expected.length / (pageSize ?? 50)), `pages: ${pages.join(",")}`);
        });

        it(`paginateDescribeFleetAttributes, pageSize ${pageSize ?? "default"}: every fleet once, in creation order`, async () => {
          const seen: string[] = [];
          for await (const page of paginateDescribeFleetAttributes({ client: pager, ...(pageSize ? { pageSize } : {}) }, {})) {
            for (const f of page.FleetAttributes!) {
              assert.equal(f.FleetArn, `arn:aws:gamelift:${REGION}:222222222222:fleet/${f.FleetId}`);
              seen.push(f.FleetId!);
            }
          }
          assert.deepEqual(seen, expected);
        });
      }

      it("fleets deleted while a ListFleets walk is under way, the cursor's own included: the walk goes on past them", async () => {
        const extra: string[] = [];
        for (let i = 0; i < 6; i++) extra.push((await anywhereFleet(pager, `walked-${i}`)).FleetAttributes!.FleetId!);
        const all = [...expected, ...extra];
        const first = await pager.send(new ListFleetsCommand({ Limit: expected.length + 2 }));
        assert.deepEqual(first.FleetIds, all.slice(0, expected.length + 2));
        const cursor = extra[1]!; // the last fleet of the first page
        const ahead = extra[3]!;
        for (const id of [cursor, ahead]) await pager.send(new DeleteFleetCommand({ FleetId: id }));
        await eventually("the deletions to show", async () => {
          const { FleetIds } = await pager.send(new ListFleetsCommand({ Limit: 1000 }));
          return FleetIds!.includes(cursor) || FleetIds!.includes(ahead) ? undefined : true;
        });
        const rest: string[] = [];
        let NextToken = first.NextToken;
        while (NextToken) {
          const page = await pager.send(new ListFleetsCommand({ Limit: 1, NextToken }));
          rest.push(...page.FleetIds!);
          NextToken = page.NextToken;
        }
        assert.deepEqual(rest, [extra[2], extra[4], extra[5]]);
        for (const id of [extra[0]!, extra[2]!, extra[4]!, extra[5]!]) await pager.send(new DeleteFleetCommand({ FleetId: id }));
      });

      it("DescribeFleetAttributes with FleetIds returns those that exist here, in the order asked, unpaged", async () => {
        const ask = [
          expected[5]!,
          "fleet-00000000-0000-4000-8000-000000000000",
          expected[1]!,
          `arn:aws:gamelift:${REGION}:222222222222:fleet/${expected[2]}`,
        ];
        const { FleetAttributes, NextToken } = await pager.send(new DescribeFleetAttributesCommand({ FleetIds: ask, Limit: 1 }));
        assert.deepEqual(
          FleetAttributes!.map((f) => f.FleetId),
          [expected[5], expected[1], expected[2]],
        );
        assert.equal(NextToken, undefined);
      });

      it("ListFleets with a ScriptId filter pages through the matching fleets only; its token is bound to the filter", async () => {
        const scripted: string[] = [];
        const scripts: string[] = [];
        for (const name of ["lobby", "arena"]) {
          const { Script } = await pager.send(new CreateScriptCommand({ Name: name, ZipFile: Buffer.from(`${name}.js`) }));
          scripts.push(Script!.ScriptId!);
        }
        for (let i = 0; i < 5; i++) {
          const { FleetAttributes } = await pager.send(
            new CreateFleetCommand({
              Name: `scripted-${i}`,
              ScriptId: scripts[i % 2],
              EC2InstanceType: "c5.large",
              RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: "/local/game/server.js", ConcurrentExecutions: 1 }] },
            }),
          );
          scripted.push(FleetAttributes!.FleetId!);
        }
        const seen: string[] = [];
        const tokens: string[] = [];
        for await (const page of paginateListFleets({ client: pager, pageSize: 1 }, { ScriptId: scripts[1] })) {
          seen.push(...page.FleetIds!);
          if (page.NextToken) tokens.push(page.NextToken);
        }
        assert.deepEqual(seen, [scripted[1], scripted[3]]);
        await assert.rejects(pager.send(new ListFleetsCommand({ NextToken: tokens[0] })), { name: "InvalidRequestException" });
      });
    });
  });
}
