/**
 * `liftlog events --follow` through the real binary: the newest events, then those ingested while
 * it runs, oldest first, across a server restart (same data dir and port), none missing or
 * repeated; and by polling where the endpoint has no live feed, as against Amazon GameLift.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startNoFeedProxy } from "../helpers/network.js";
import { BIN, ingest, registerFleet, startServer, type IngestedEvent, type RunningServer } from "../helpers/server.js";
import { CLEAN_ENV, hasEscapes } from "./support.js";

/** A running `liftlog events --follow`: its stdout lines as they come. */
class Follower {
  readonly child: ChildProcess;
  lines: string[] = [];
  stderr = "";
  #partial = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, "events", "--follow", ...args], {
      env: { ...process.env, ...CLEAN_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const parts = (this.#partial + d).split("\n");
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
    });
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  async waitFor(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < count) {
      if (Date.now() > deadline)
        throw new Error(`waited for ${count} lines, have ${this.lines.length}:\n${this.lines.join("\n")}\n${this.stderr}`);
      if (this.child.exitCode !== null) throw new Error(`follower exited ${this.child.exitCode}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ctrl-C: the follower stops and exits 0. */
  async interrupt(): Promise<number | null> {
    this.child.kill("SIGINT");
    return this.exited;
  }
}

const batch = (label: string, n: number, startSeconds: number): IngestedEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    EventCode: i % 2 ? "SERVER_PROCESS_CRASHED" : "FLEET_SCALING_EVENT",
    Message: `${label} ${i}`,
    EventTime: startSeconds + i * 0.01,
  }));

const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { EventId: string }).EventId);

describe("liftlog events --follow", () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  after(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("prints the newest events, then new ones oldest first, across a server restart, none missing or repeated", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "liftlog-follow-"));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    let server: RunningServer = await startServer({ dataDir, args: ["--port", String(port)] });
    cleanup.push(() => server.stop());
    const { FleetId, FleetArn } = await registerFleet(server.endpoint, "us-east-1");
    const now = Date.now() / 1000;
    const history = await ingest(server.endpoint, FleetId, batch("history", 5, now - 60), 5000, "us-east-1");

    const follower = new Follower([
      "--fleet-id",
      FleetId,
      "--endpoint-url",
      server.endpoint,
      "--region",
      "us-east-1",
      "--tail",
      "2",
      "--output",
      "ndjson",
    ]);
    cleanup.push(() => void follower.child.kill());
    await follower.waitFor(2);
    assert.deepEqual(ids(follower.lines), history.slice(3), "the two newest events first, oldest first");
    assert.equal((JSON.parse(follower.lines[0]!) as { FleetId: string }).FleetId, FleetArn);

    const live = await ingest(server.endpoint, FleetId, batch("live", 6, now), 5000, "us-east-1");
    await follower.waitFor(8);

    await server.stop();
    server = await startServer({ dataDir, args: ["--port", String(port)] });
    // Stored while the follower is still reconnecting, then after.
    const whileAway = await ingest(server.endpoint, FleetId, batch("after restart", 4, now + 1), 5000, "us-east-1");
    await new Promise((r) => setTimeout(r, 1500));
    const later = await ingest(server.endpoint, FleetId, batch("later", 3, now + 2), 5000, "us-east-1");
    await follower.waitFor(15);
    await new Promise((r) => setTimeout(r, 1000)); // anything extra (a repeat) would arrive now

    assert.equal(await follower.interrupt(), 0, follower.stderr);
    assert.deepEqual(ids(follower.lines), [...history.slice(3), ...live, ...whileAway, ...later]);
    const messages = follower.lines.map((l) => (JSON.parse(l) as { Message: string }).Message);
    assert.deepEqual(messages.slice(2, 4), ["live 0", "live 1"]);
  });

  it("polls where the endpoint has no live feed (as Amazon GameLift), printing the same lines", async () => {
    const server = await startServer();
    cleanup.push(() => server.dispose());
    const proxy = await startNoFeedProxy(server.endpoint);
    cleanup.push(() => proxy.close());
    const proxied = proxy.url;

    const { FleetId } = await registerFleet(server.endpoint, "us-east-1");
    const now = Date.now() / 1000;
    const history = await ingest(server.endpoint, FleetId, batch("history", 3, now - 10), 5000, "us-east-1");
    const args = ["--fleet-id", FleetId, "--region", "us-east-1", "--tail", "3", "--output", "table"];
    const polled = new Follower([...args, "--endpoint-url", proxied]);
    const streamed = new Follower([...args, "--endpoint-url", server.endpoint]);
    cleanup.push(
      () => void polled.child.kill(),
      () => void streamed.child.kill(),
    );
    await Promise.all([polled.waitFor(3), streamed.waitFor(3)]);
    const live = await ingest(server.endpoint, FleetId, batch("live", 4, now), 5000, "us-east-1");
    await Promise.all([polled.waitFor(7), streamed.waitFor(7)]);
    await new Promise((r) => setTimeout(r, 2500)); // one more poll: nothing printed twice

    assert.equal(await polled.interrupt(), 0);
    assert.equal(await streamed.interrupt(), 0);
    assert.match(polled.stderr, /no live feed at this endpoint.*polling DescribeFleetEvents/);
    assert.deepEqual(polled.lines, streamed.lines);
    assert.equal(polled.lines.length, history.length + live.length);
    assert.ok(
      polled.lines.every((line, i) => line.includes(i < 3 ? `history ${i}` : `live ${i - 3}`)),
      polled.lines.join("\n"),
    );
    assert.ok(!hasEscapes(polled.lines.join("\n")), "no escape codes when piped");
  });
});
