/**
 * The admin API is not served without a token on a non-loopback address unless the operator says
 * so by name (--allow-open-admin): the server refuses to start and says why and what to do.
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BIN, startServer, type RunningServer } from "../helpers/server.js";
import { isLoopback } from "../../src/config.js";

/** The ready line's endpoint, reached over loopback (a wildcard bind answers there too). */
const local = (endpoint: string) => endpoint.replace("//0.0.0.0:", "//127.0.0.1:");

const clockPost = (endpoint: string, headers: Record<string, string> = {}) =>
  fetch(`${local(endpoint)}/_liftlog/clock`, { method: "POST", headers, body: JSON.stringify({ AdvanceSeconds: 1 }) });

describe("the admin API off loopback", () => {
  const servers: RunningServer[] = [];
  after(async () => {
    for (const s of servers) await s.dispose();
  });

  for (const [how, extra] of [
    ["flag", { args: ["--host", "0.0.0.0"], env: {} }],
    ["environment", { args: [], env: { LIFTLOG_HOST: "0.0.0.0" } }],
  ] as const) {
    it(`a non-loopback --host without --admin-token does not start (${how})`, () => {
      const run = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...extra.args], {
        encoding: "utf8",
        timeout: 20_000,
        env: { ...process.env, LIFTLOG_ADMIN_TOKEN: "", LIFTLOG_ALLOW_OPEN_ADMIN: "", ...extra.env },
      });
      assert.equal(run.status, 1, run.stdout + run.stderr);
      assert.doesNotMatch(run.stdout, /listening/);
      assert.equal(
        // The CLI may name the command first.
        run.stderr.trim().replace(/^liftlog serve: /, ""),
        "refusing to serve the admin API on 0.0.0.0 without an admin token: anyone who reaches this address could ingest events " +
          "into any account, delete fleets, move the service clock and inject faults through /_liftlog/. Give --admin-token <secret> " +
          "(or LIFTLOG_ADMIN_TOKEN), bind a loopback address (--host 127.0.0.1), or, on a network you trust, pass --allow-open-admin " +
          "(LIFTLOG_ALLOW_OPEN_ADMIN=1).",
      );
    });
  }

  it("with --admin-token it starts and the admin API wants the token", async () => {
    const server = await startServer({ args: ["--host", "0.0.0.0", "--admin-token", "s3cret", "--clock", "manual"] });
    servers.push(server);
    assert.equal((await clockPost(server.endpoint)).status, 401);
    assert.equal((await clockPost(server.endpoint, { Authorization: "Bearer s3cret" })).status, 200);
    assert.doesNotMatch(server.output(), /warning/);
  });

  it("with --allow-open-admin it starts, warns, and the admin API is open", async () => {
    const server = await startServer({ args: ["--host", "0.0.0.0", "--allow-open-admin", "--clock", "manual"] });
    servers.push(server);
    assert.equal((await clockPost(server.endpoint)).status, 200);
    assert.match(
      server.output(),
      /warning: the admin API on 0\.0\.0\.0 takes no token \(--allow-open-admin\): whoever reaches it controls it/,
    );
  });

  it("any loopback address needs neither", async () => {
    const server = await startServer({ args: ["--host", "127.0.0.2", "--clock", "manual"] });
    servers.push(server);
    assert.equal((await fetch(`${server.endpoint}/_liftlog/clock`, { method: "POST", body: '{"AdvanceSeconds": 1}' })).status, 200);
    assert.doesNotMatch(server.output(), /warning/);
  });

  it("tells loopback addresses from the rest", () => {
    const loopback = ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "0:0:0:0:0:0:0:1"];
    const open = ["0.0.0.0", "::", "[::]", "192.168.1.10", "10.0.0.1", "::ffff:10.0.0.1", "example.com", "127.0.0.1.example.com", ""];
    assert.deepEqual(
      loopback.filter((h) => !isLoopback(h)),
      [],
    );
    assert.deepEqual(
      open.filter((h) => isLoopback(h)),
      [],
    );
  });
});
