/**
 * The built web console served by the real server at `/`: content types, HEAD, the app's page for
 * deep links, no path out of the build folder, and the API, admin and log routes untouched.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { ListFleetsCommand } from "@aws-sdk/client-gamelift";
import { REPO_ROOT, gamelift, startServer, type RunningServer } from "../helpers/server.js";

const BUILT = join(REPO_ROOT, "dist", "console");
const skip = existsSync(join(BUILT, "index.html")) ? undefined : "the console is not built (npm run build)";

/** A raw request: the path is sent exactly as given (fetch would normalise `..` away). */
function raw(
  endpoint: string,
  method: string,
  path: string,
): Promise<{ status: number; type: string; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () =>
        resolve({ status: res.statusCode!, type: String(res.headers["content-type"] ?? ""), body, headers: res.headers }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("web console files", { skip }, () => {
  let server: RunningServer;
  let index: string;
  before(async () => {
    server = await startServer();
    index = (await raw(server.endpoint, "GET", "/")).body;
  });
  after(() => server?.dispose());

  it("serves the app's page at / and at its own routes (deep links), never cached", async () => {
    assert.match(index, /<div id="root"><\/div>/);
    for (const path of ["/", "/fleets", "/fleets/fleet-1234?start=2026-01-01T00:00:00Z&code=FLEET_CREATED", "/scenarios"]) {
      const res = await raw(server.endpoint, "GET", path);
      assert.equal(res.status, 200, path);
      assert.equal(res.type, "text/html; charset=utf-8", path);
      assert.equal(res.headers["cache-control"], "no-cache");
      assert.equal(res.body, index, path);
    }
  });

  it("serves every built asset with its content type; HEAD has the headers and no body", async () => {
    const assets = readdirSync(join(BUILT, "assets"));
    assert.ok(assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".css")));
    for (const name of assets) {
      const type = name.endsWith(".js") ? "text/javascript; charset=utf-8" : name.endsWith(".css") ? "text/css; charset=utf-8" : undefined;
      if (!type) continue;
      const get = await raw(server.endpoint, "GET", `/assets/${name}`);
      assert.equal(get.status, 200, name);
      assert.equal(get.type, type, name);
      assert.match(String(get.headers["cache-control"]), /immutable/);
      const head = await raw(server.endpoint, "HEAD", `/assets/${name}`);
      assert.equal(head.status, 200);
      assert.equal(head.body, "");
      assert.equal(head.headers["content-length"], get.headers["content-length"]);
    }
  });

  it("answers 404 for files that do not exist and for paths that leave the build folder", async () => {
    for (const path of [
      "/assets/nothing.js",
      "/nothing.html",
      "/../package.json",
      "/assets/../../package.json",
      "/%2e%2e/%2e%2e/package.json",
      "/assets/%2e%2e%2f%2e%2e%2fsrc%2fserver.js",
      "/..%5c..%5cpackage.json",
      "/assets/%00.js",
      "/%E0%A4%A",
      "/fleets/a/b",
    ]) {
      const res = await raw(server.endpoint, "GET", path);
      assert.equal(res.status, 404, `${path}: ${res.body.slice(0, 100)}`);
      assert.equal(JSON.parse(res.body).__type, "UnknownOperationException", path);
    }
  });

  it("leaves the GameLift API (POST /), the admin API and the log endpoint as they were", async () => {
    const client = gamelift(server.endpoint);
    try {
      assert.deepEqual((await client.send(new ListFleetsCommand({}))).FleetIds, []);
    } finally {
      client.destroy();
    }
    const health = await raw(server.endpoint, "GET", "/_liftlog/health");
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, "ok");
    const admin404 = await raw(server.endpoint, "GET", "/_liftlog/nothing");
    assert.equal(admin404.status, 404);
    assert.equal(JSON.parse(admin404.body).__type, "UnknownOperationException");
    const log = await raw(server.endpoint, "GET", "/logs/000000000000/us-west-2/nothing");
    assert.equal(log.status, 403);
    assert.match(log.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    const put = await raw(server.endpoint, "PUT", "/");
    assert.equal(put.status, 404);
  });
});
