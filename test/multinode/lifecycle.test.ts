/**
 * Lifecycle timers on several nodes: two nodes on one PostgreSQL database, both running their
 * schedulers on a fast clock. A fleet created on one node lives its creation sequence exactly
 * once (each due step is claimed by one node); when the node driving it is killed, the other
 * finishes it.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import type { GameLiftClient } from "@aws-sdk/client-gamelift";
import { startServer, gamelift, until, type RunningServer } from "../helpers/server.js";
import { createTestDatabase, pgUnavailable } from "../helpers/postgres.js";
import { allEvents, chronological, CREATION, ec2Fleet, fleetStatus, readyBuild } from "../lifecycle/helpers.js";

const skip = await pgUnavailable();
if (skip) console.log(`# SKIP lifecycle on two nodes: ${skip}`);

/** 100 service seconds per wall second: an EC2 fleet's 460 s creation takes under 5 s. */
const FAST = ["--clock-speed", "100"];

/** Log URLs are minted per call for the node's own address; the rest of an event is stored. */
const withoutUrls = (events: Awaited<ReturnType<typeof allEvents>>) =>
  events.map(({ PreSignedLogUrl, ...e }) => ({ ...e, hasLog: PreSignedLogUrl !== undefined }));

function assertCreatedOnce(events: Awaited<ReturnType<typeof allEvents>>) {
  const life = chronological(events);
  assert.deepEqual(
    life.map((e) => e.EventCode),
    CREATION,
    "the documented sequence, every step once",
  );
  assert.equal(new Set(life.map((e) => e.EventId)).size, life.length);
  for (let i = 1; i < life.length; i++) assert.ok(life[i]!.EventTime! >= life[i - 1]!.EventTime!, "in time order");
}

describe("lifecycle timers on two nodes", { skip }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let a: RunningServer;
  let b: RunningServer;
  let clients: GameLiftClient[] = [];

  before(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([startServer({ args: ["--db", db.url, ...FAST] }), startServer({ args: ["--db", db.url, ...FAST] })]);
    clients = [gamelift(a.endpoint), gamelift(b.endpoint)];
  });

  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all([a?.dispose(), b?.dispose()]);
    await db?.drop();
  });

  it("a fleet created on node A becomes ACTIVE once, with no duplicated event, while node B runs too", async () => {
    const [onA, onB] = clients as [GameLiftClient, GameLiftClient];
    const build = await readyBuild(onA);
    const fleets = await Promise.all([0, 1, 2].map(async () => (await ec2Fleet(onA, build)).FleetAttributes!.FleetId!));
    for (const fleetId of fleets) {
      await until(`${fleetId} ACTIVE`, async () => ((await fleetStatus(onB, fleetId)) === "ACTIVE" ? true : undefined), 60_000);
      const seenOnB = await allEvents(onB, fleetId);
      assertCreatedOnce(seenOnB);
      assert.deepEqual(withoutUrls(await allEvents(onA, fleetId)), withoutUrls(seenOnB), "both nodes tell the same story");
    }
  });

  it("killing the node that drives a creation lets the other finish it", async () => {
    const killable = await startServer({ args: ["--db", db.url, ...FAST] });
    const client = gamelift(killable.endpoint);
    try {
      const build = await readyBuild(client);
      const fleetId = (await ec2Fleet(client, build)).FleetAttributes!.FleetId!;
      // Kill it mid-creation: once its own timers have moved the fleet past NEW.
      const midway = await until(
        "creation under way",
        async () => {
          const status = await fleetStatus(client, fleetId);
          return status !== "NEW" ? status : undefined;
        },
        30_000,
      );
      await killable.stop("SIGKILL");
      assert.notEqual(midway, "ACTIVE", "the kill landed before creation finished");
      // Whatever the killed node had done stays; node A or B (polling the shared schedule) finishes the rest.
      await until(
        `${fleetId} ACTIVE after the kill`,
        async () => ((await fleetStatus(clients[1]!, fleetId)) === "ACTIVE" ? true : undefined),
        150_000,
      );
      assertCreatedOnce(await allEvents(clients[0]!, fleetId));
    } finally {
      client.destroy();
      await killable.dispose();
    }
  });
});
