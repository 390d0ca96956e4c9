/**
 * The feed's bounds, on the real server: a reader that stops reading is cut off (the server does not
 * buffer for it without end) and resumes from its last id without loss; 1,000 idle streams on one
 * node, with the server's memory measured before and after, all still served.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { get, type IncomingMessage } from "node:http";
import { readFileSync } from "node:fs";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { eventOf, mustOpen } from "../helpers/sse.js";

const REGION = "us-west-2";

/** The server process's resident memory in bytes (Linux). */
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

/** A raw SSE connection whose reading the test controls (pause/resume), as a slow client's would be. */
function rawStream(url: string, headers: Record<string, string> = {}) {
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => messages.push(m) });
  let response: IncomingMessage | undefined;
  const opened = new Promise<IncomingMessage>((resolve, reject) => get(url, { headers }, resolve).on("error", reject));
  const ended = opened.then(
    (res) =>
      new Promise<void>((resolve) => {
        response = res;
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => parser.feed(chunk));
        res.on("close", resolve);
        res.on("error", () => resolve());
      }),
  );
  return { messages, opened, ended, pause: () => response?.pause(), resume: () => response?.resume(), destroy: () => response?.destroy() };
}

describe("event stream limits", () => {
  let server: RunningServer;
  let fleet: { FleetId: string; FleetArn: string };
  before(async () => {
    server = await startServer({ args: ["--feed-stall", "1"] });
    fleet = await registerFleet(server.endpoint, REGION);
  });
  after(() => server?.dispose());

  it("cuts off a reader that stops reading; it resumes from its last id without loss", async () => {
    const url = `${server.endpoint}/_liftlog/events/stream?FleetId=${fleet.FleetArn}`;
    const slow = rawStream(url);
    await slow.opened;
    // About 30 MB of events: more than the kernel's socket buffers hold for a reader that does not read.
    const events = Array.from({ length: 24_000 }, (_, i) => ({
      EventCode: "SERVER_PROCESS_CRASHED",
      Message: `${String(i).padStart(6, "0")} ${"x".repeat(1000)}`,
    }));
    const first = await ingest(server.endpoint, fleet.FleetArn, events.slice(0, 10));
    while (slow.messages.length < 10) await new Promise((r) => setTimeout(r, 20));
    slow.pause();
    const rest = await ingest(server.endpoint, fleet.FleetArn, events.slice(10));
    const written = [...first, ...rest];
    const rssBefore = rssOf(server.process.pid!);
    await new Promise((r) => setTimeout(r, 2500)); // past the 1-second stall limit
    slow.resume();
    await slow.ended;
    const got = slow.messages.map((m) => eventOf(m).EventId);
    assert.ok(got.length < written.length, `cut off: got ${got.length} of ${written.length}`);
    assert.deepEqual(got, written.slice(0, got.length), "what arrived before the cut is a prefix, in order");
    const rssAfter = rssOf(server.process.pid!);
    assert.ok(rssAfter - rssBefore < 64 * 1024 * 1024, `server memory grew ${rssAfter - rssBefore} bytes for one slow reader`);

    const resumed = await mustOpen(url, { "Last-Event-ID": slow.messages.at(-1)!.id! });
    await resumed.waitFor(written.length - got.length, 60_000);
    assert.deepEqual(
      resumed.messages.map((m) => eventOf(m).EventId),
      written.slice(got.length),
    );
    resumed.close();
  });

  it("holds 1,000 idle streams cheaply and still serves every one of them", async () => {
    const url = `${server.endpoint}/_liftlog/events/stream?FleetId=${fleet.FleetArn}`;
    const pid = server.process.pid!;
    const before = rssOf(pid);
    const streams = Array.from({ length: 1000 }, () => rawStream(url));
    await Promise.all(streams.map((s) => s.opened));
    await new Promise((r) => setTimeout(r, 1000));
    const during = rssOf(pid);
    const perStream = (during - before) / 1000;
    console.log(
      `# 1,000 idle streams: server RSS ${(before / 2 ** 20).toFixed(1)} MiB -> ${(during / 2 ** 20).toFixed(1)} MiB (${(perStream / 1024).toFixed(1)} KiB per stream)`,
    );
    assert.ok(perStream < 100 * 1024, `${perStream} bytes per idle stream`);
    const [id] = await ingest(server.endpoint, fleet.FleetArn, [{ EventCode: "FLEET_STATE_ACTIVE", Message: "to everyone" }]);
    const deadline = Date.now() + 30_000;
    while (streams.some((s) => s.messages.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      new Set(streams.map((s) => (s.messages.length === 1 ? eventOf(s.messages[0]!).EventId : `${s.messages.length} messages`))),
      new Set([id]),
    );
    for (const s of streams) s.destroy();
    await Promise.all(streams.map((s) => s.ended));
  });
});
