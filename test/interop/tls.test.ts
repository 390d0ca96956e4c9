/**
 * HTTPS (--tls-cert/--tls-key) with a certificate authority and server certificate made by openssl
 * at test time: the JS SDK and boto3 trust that CA and talk to liftlog; the log URLs it hands out
 * are https:// and serve the log; a client that does not trust the CA is refused by its own TLS.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeFleetEventsCommand, GameLiftClient, paginateDescribeFleetEvents, type Event } from "@aws-sdk/client-gamelift";
import { BIN, REPO_ROOT, pythonToolsMissing, startServer, type RunningServer } from "../helpers/server.js";
import { CREATION, ec2Fleet, readyBuild } from "../lifecycle/helpers.js";
import { REGION, sdkLine } from "./fleet-log.js";

const openssl = spawnSync("openssl", ["version"], { encoding: "utf8" });
const noOpenssl = openssl.status === 0 ? false : "openssl is not installed on this machine";
if (noOpenssl) console.log(`# skipping TLS tests: ${noOpenssl}`);

/** A throwaway CA and a certificate it signed for 127.0.0.1 and localhost. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  };
  run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=liftlog test CA",
  ]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
  writeFileSync(join(dir, "ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
  run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext",
  ]);
  return { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}

/** An HTTPS request trusting only `ca`; resolves with status and body. */
function httpsCall(url: string, ca: Buffer, method = "GET", body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers: body ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("HTTPS with a certificate made at test time", { skip: noOpenssl }, () => {
  let dir: string;
  let certs: { ca: string; cert: string; key: string };
  let ca: Buffer;
  let server: RunningServer;
  let client: GameLiftClient;
  let fleetId: string;
  let events: Event[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "liftlog-tls-"));
    certs = makeCertificates(dir);
    ca = readFileSync(certs.ca);
    server = await startServer({ args: ["--clock", "manual", "--tls-cert", certs.cert, "--tls-key", certs.key] });
    client = new GameLiftClient({
      region: REGION,
      endpoint: server.endpoint,
      credentials: { accessKeyId: "AKIDLIFTLOGTEST", secretAccessKey: "secret" },
      maxAttempts: 1,
      requestHandler: { httpsAgent: new Agent({ ca }) },
    });
    const buildId = await readyBuild(client);
    fleetId = (await ec2Fleet(client, buildId, "launch-path-not-found")).FleetAttributes!.FleetId!;
    const advanced = await httpsCall(`${server.endpoint}/_liftlog/clock`, ca, "POST", JSON.stringify({ AdvanceSeconds: 3600 }));
    assert.equal(advanced.status, 200, advanced.body);
    events = [];
    for await (const page of paginateDescribeFleetEvents({ client, pageSize: 3 }, { FleetId: fleetId })) events.push(...page.Events!);
  });
  after(async () => {
    client?.destroy();
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("announces an https:// endpoint", () => {
    assert.match(server.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(server.output(), /liftlog listening on https:\/\/127\.0\.0\.1:\d+ /);
  });

  it("the JS SDK trusting the test CA drives a fleet and reads its events; log URLs are https:// and serve the log", async () => {
    const codes = events.map((e) => e.EventCode).reverse();
    assert.deepEqual(codes.slice(0, 3), CREATION.slice(0, 3));
    assert.equal(codes.at(-1), "FLEET_STATE_ERROR");
    const withLogs = events.filter((e) => e.PreSignedLogUrl);
    assert.ok(withLogs.length > 0, "some events carry a log");
    for (const event of withLogs) {
      assert.ok(event.PreSignedLogUrl!.startsWith(`${server.endpoint}/logs/`), event.PreSignedLogUrl);
      const log = await httpsCall(event.PreSignedLogUrl!, ca);
      assert.equal(log.status, 200);
      assert.ok(log.body.length > 0);
    }
  });

  it("a client that does not trust the CA is refused by TLS", async () => {
    const untrusting = new GameLiftClient({
      region: REGION,
      endpoint: server.endpoint,
      credentials: { accessKeyId: "AKIDLIFTLOGTEST", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
    await assert.rejects(
      untrusting.send(new DescribeFleetEventsCommand({ FleetId: fleetId })),
      /self[- ]signed certificate|unable to verify/i,
    );
    untrusting.destroy();
  });

  const missing = pythonToolsMissing();
  it("boto3 with verify= the test CA reads the same events; without it, an SSL error", { skip: missing ?? false }, async () => {
    const script = join(REPO_ROOT, "test", "interop", "python", "boto3_tls.py");
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("python3", [script, server.endpoint, REGION, fleetId, certs.ca], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`boto3_tls.py exited ${code}:\n${stderr}`))));
    });
    const result = JSON.parse(out) as { trusted: string[]; untrusted: string | null };
    assert.deepEqual(result.trusted, events.map(sdkLine));
    assert.equal(result.untrusted, "SSLError");
  });

  it("refuses to start with half a TLS configuration or files that are not PEM", () => {
    writeFileSync(join(dir, "junk.pem"), "not a certificate\n");
    const cases: [string[], RegExp][] = [
      [["--tls-cert", certs.cert], /--tls-cert and --tls-key go together/],
      [["--tls-key", certs.key], /--tls-cert and --tls-key go together/],
      [["--tls-cert", join(dir, "absent.pem"), "--tls-key", certs.key], /--tls-cert .*absent\.pem: ENOENT/],
      [["--tls-cert", join(dir, "junk.pem"), "--tls-key", certs.key], /not a usable PEM certificate chain and matching private key/],
      [["--tls-cert", certs.cert, "--tls-key", certs.ca], /not a usable PEM certificate chain and matching private key/],
    ];
    for (const [args, message] of cases) {
      const run = spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...args], { encoding: "utf8" });
      assert.notEqual(run.status, 0, args.join(" "));
      assert.match(run.stderr, message, args.join(" "));
    }
  });
});
