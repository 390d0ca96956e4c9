/**
 * Clients and readers that go away are not server errors: an upload aborted half-way leaves
 * nothing in the log, and a server whose stdout reader has gone (`liftlog serve | head -1`) still
 * drains and closes its store cleanly on SIGTERM.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { REGION } from "./fleet-log.js";
import { authorization, callInTwoParts, rawCall } from "./raw-api.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends headers announcing `length` bytes, part of the body, then resets the connection. */
async function abortUpload(endpoint: string, head: string, length: number, part: string): Promise<void> {
  const { hostname, port } = new URL(endpoint);
  const socket = connect(Number(port), hostname);
  await once(socket, "connect");
  socket.write(`${head}\r\nHost: ${hostname}:${port}\r\nContent-Length: ${length}\r\n\r\n${part}`);
  await sleep(50);
  socket.resetAndDestroy();
}

describe("a client that goes away", () => {
  let server: RunningServer;
  after(async () => server?.dispose());

  it("aborted uploads to the API and the admin API log nothing and leave the server serving", async () => {
    server = await startServer();
    const fleet = await registerFleet(server.endpoint, REGION);
    await sleep(200); // the registration's own request log line
    const logged = server.output();
    const api = [
      "POST / HTTP/1.1",
      "Content-Type: application/x-amz-json-1.1",
      "X-Amz-Target: GameLift.DescribeFleetEvents",
      `Authorization: ${authorization()}`,
    ].join("\r\n");
    const ingest = ["POST /_liftlog/events HTTP/1.1", "Content-Type: application/x-ndjson"].join("\r\n");
    for (let i = 0; i < 10; i++) {
      await abortUpload(server.endpoint, api, 10_000, `{"FleetId": "${fleet.FleetId}", `);
      await abortUpload(
        server.endpoint,
        ingest,
        100_000,
        `{"FleetId":"${fleet.FleetId}","Region":"${REGION}","EventCode":"GENERIC_EVENT","Message":"half`,
      );
    }
    await sleep(200);
    // At most the request log's own line per request: no error, no stack trace.
    const lines = server.output().slice(logged.length).split("\n").filter(Boolean);
    assert.ok(lines.length <= 20, `${lines.length} lines for 20 aborted uploads`);
    for (const line of lines) assert.equal((JSON.parse(line) as { level?: string }).level, "info", line);
    // Nothing of the aborted ingests was stored, and the server still answers.
    const res = await rawCall(server.endpoint, "DescribeFleetEvents", JSON.stringify({ FleetId: fleet.FleetId }));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), { Events: [] });
  });
});

describe("SIGTERM with stdout closed", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "liftlog-stdout-"));
  let server: RunningServer;
  after(async () => {
    await server?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("drains the request in flight, closes the store and exits 0", async () => {
    server = await startServer({ dataDir });
    const fleet = await registerFleet(server.endpoint, REGION);
    assert.ok(existsSync(join(dataDir, "liftlog.db-wal")), "SQLite's write-ahead log exists while the store is open");
    // What `| head -1` does: the reader takes the first line and goes.
    server.process.stdout!.destroy();
    await sleep(100);

    const call = callInTwoParts(server.endpoint, "DescribeFleetEvents", `{"FleetId": "${fleet.FleetId}", `);
    await sleep(300);
    server.process.kill("SIGTERM"); // the server now prints "draining" into the closed pipe
    await sleep(300);
    assert.equal(server.process.exitCode, null, `still draining while a request is in flight:\n${server.output()}`);
    const res = await call.finish(`"Limit": 10}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(JSON.parse(res.text), { Events: [] });

    const [code, signal] = server.process.exitCode !== null ? [server.process.exitCode, null] : await once(server.process, "exit");
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.output());
    assert.doesNotMatch(server.output(), /EPIPE|Error/);
    // SQLite removes the write-ahead log when the last connection closes cleanly.
    assert.equal(existsSync(join(dataDir, "liftlog.db-wal")), false, "the store was closed");
  });
});
