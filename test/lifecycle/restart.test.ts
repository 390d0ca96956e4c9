/**
 * A server stopped in the middle of fleet creation resumes where it stood: the manual clock keeps
 * its time, and advancing it after the restart completes the sequence with no gap and no duplicate.
 * Once with a clean stop (SIGTERM), once killed outright (SIGKILL) right after a clock move.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Event } from "@aws-sdk/client-gamelift";
import { gamelift, type RunningServer } from "../helpers/server.js";
import { advance, allEvents, CREATION, chronological, clockNow, ec2Fleet, fleetStatus, manualServer, readyBuild } from "./helpers.js";

/** An event as stored: its log URL is minted per call, for the server's current address. */
const stored = (events: Event[]) => events.map(({ PreSignedLogUrl, ...e }) => ({ ...e, hasLog: !!PreSignedLogUrl }));

describe("restart in the middle of creation", () => {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`resumes after ${signal}: the sequence completes with no gap and no duplicate`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "liftlog-restart-"));
      let server: RunningServer | undefined;
      try {
        server = await manualServer([], dataDir);
        let client = gamelift(server.endpoint);
        const buildId = await readyBuild(client);
        const fleetId = (await ec2Fleet(client, buildId)).FleetAttributes!.FleetId!;
        await advance(server.endpoint, 100); // DOWNLOADING, build extracted at 80 s
        const before = chronological(await allEvents(client, fleetId));
        assert.deepEqual(
          before.map((e) => e.EventCode),
          CREATION.slice(0, 3),
        );
        const stoppedAt = await clockNow(server.endpoint);
        client.destroy();
        await server.stop(signal);

        server = await manualServer([], dataDir);
        client = gamelift(server.endpoint);
        assert.equal(await clockNow(server.endpoint), stoppedAt, "the manual clock resumes where it stood");
        assert.equal(await fleetStatus(client, fleetId), "DOWNLOADING");
        assert.deepEqual(stored(await allEvents(client, fleetId)), stored([...before].reverse()), "nothing happened while stopped");
        await advance(server.endpoint, 1000);
        const after = chronological(await allEvents(client, fleetId));
        assert.deepEqual(
          after.map((e) => e.EventCode),
          CREATION,
        );
        assert.deepEqual(stored(after.slice(0, 3)), stored(before), "the events from before the restart are kept as they were");
        assert.equal(new Set(after.map((e) => e.EventId)).size, CREATION.length);
        const times = after.map((e) => e.EventTime!.getTime() - after[0]!.EventTime!.getTime());
        assert.deepEqual(
          times,
          [0, 20, 80, 110, 170, 180, 190, 250, 370, 460].map((s) => s * 1000),
          "no stage was stretched or skipped",
        );
        assert.equal(await fleetStatus(client, fleetId), "ACTIVE");
        client.destroy();
      } finally {
        await server?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
