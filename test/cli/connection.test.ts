/**
 * Endpoint, region and credentials the AWS way, through the spawned binary: a profile's
 * endpoint_url, region and keys from shared config and credentials files; AWS_ENDPOINT_URL_GAMELIFT
 * over AWS_ENDPOINT_URL; AWS_REGION and AWS_DEFAULT_REGION; --endpoint-url over all. And every
 * command explains itself with an example.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ingest, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { liftlog } from "./support.js";

const ACCOUNT = "123456789012";

describe("liftlog: endpoint, region and credentials", () => {
  let server: RunningServer;
  let dir: string;
  let fleetId: string;
  before(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), "liftlog-aws-config-"));
    const fleet = await registerFleet(server.endpoint, "eu-west-1", ACCOUNT);
    fleetId = fleet.FleetId;
    await ingest(
      server.endpoint,
      fleet.FleetArn,
      [{ EventCode: "FLEET_CREATED", Message: "in account 123456789012", EventTime: 1700000000 }],
      10,
      "eu-west-1",
    );
    // A 12-digit access key reads the account it names: the fleet is only found with the profile's keys and region.
    writeFileSync(join(dir, "credentials"), `[team]\naws_access_key_id = ${ACCOUNT}\naws_secret_access_key = secret\n`);
    writeFileSync(
      join(dir, "config"),
      `[profile team]\nregion = eu-west-1\nendpoint_url = ${server.endpoint}\n\n[profile other]\nregion = us-east-1\n`,
    );
  });
  after(async () => {
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const files = () => ({ AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") });
  const messageOf = (stdout: string) => (JSON.parse(stdout) as { Events: { Message: string }[] }).Events.map((e) => e.Message);

  it("--profile: the profile's endpoint_url, region and keys from the shared files", async () => {
    const result = await liftlog(["events", "--fleet-id", fleetId, "--profile", "team", "--output", "json"], {
      ...files(),
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_DEFAULT_REGION: undefined,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(messageOf(result.stdout), ["in account 123456789012"]);
  });

  it("AWS_PROFILE picks the keys and region; AWS_ENDPOINT_URL_GAMELIFT beats AWS_ENDPOINT_URL", async () => {
    const result = await liftlog(["events", "--fleet-id", fleetId, "--output", "json"], {
      ...files(),
      AWS_PROFILE: "team",
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_ENDPOINT_URL_GAMELIFT: server.endpoint,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(messageOf(result.stdout), ["in account 123456789012"]);
  });

  it("AWS_DEFAULT_REGION as the AWS CLI reads it; --endpoint-url over the environment; the wrong region is a NotFound naming it", async () => {
    const env = { ...files(), AWS_ACCESS_KEY_ID: ACCOUNT, AWS_DEFAULT_REGION: "eu-west-1", AWS_ENDPOINT_URL: "http://127.0.0.1:9" };
    const ok = await liftlog(["events", "--fleet-id", fleetId, "--endpoint-url", server.endpoint, "--output", "json"], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(messageOf(ok.stdout), ["in account 123456789012"]);
    const wrong = await liftlog(["events", "--fleet-id", fleetId, "--endpoint-url", server.endpoint, "--region", "us-east-1"], env);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /NotFoundException .*region us-east-1.*--region/);
    const bad = await liftlog(["events", "--fleet-id", fleetId, "--endpoint-url", "ftp://x"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--endpoint-url must be an http:\/\/ or https:\/\/ URL/);
  });

  it("every command explains itself with an example", async () => {
    const top = await liftlog(["--help"]);
    for (const command of ["events", "fleets", "export", "import", "mirror"]) {
      assert.match(top.stdout, new RegExp(`liftlog ${command} `), `liftlog --help lists ${command}`);
      const help = await liftlog([command, "--help"]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: liftlog /);
      assert.match(help.stdout, new RegExp(`Examples:\\n  liftlog ${command}\\b`));
    }
  });
});
