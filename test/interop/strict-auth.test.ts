/**
 * `--auth strict`: every signature is verified against the keys of a shared-credentials file,
 * through the JS SDK (JSON 1.1 and CBOR), boto3 and the AWS CLI, signed in headers and in
 * presigned query strings. Right secrets get their own account's data; wrong secrets, unknown
 * keys, stale dates and bodies altered after signing get AWS's errors.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeFleetEventsCommand, GameLiftClient, ListFleetsCommand, type GameLiftClientConfig } from "@aws-sdk/client-gamelift";
import { SmithyRpcV2CborProtocol } from "@smithy/core/cbor";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { BIN, REPO_ROOT, ingest, pythonToolsMissing, registerFleet, startServer, type RunningServer } from "../helpers/server.js";
import { REGION, sdkLine } from "./fleet-log.js";

const CI = { id: "AKIDSTRICTCI0001", secret: "ci/secret+with=odd chars", account: "111111111111" };
const OPS = { id: "AKIDSTRICTOPS001", secret: "ops-secret", account: "222222222222" };
const CREDENTIALS = `# keys this liftlog lets in
[ci]
aws_access_key_id = ${CI.id}
aws_secret_access_key = ${CI.secret}
aws_account_id = ${CI.account}

[ops]
aws_access_key_id = ${OPS.id}
aws_secret_access_key = ${OPS.secret}
aws_account_id = ${OPS.account}
`;

const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const UNRECOGNIZED = "The security token included in the request is invalid.";

function sdk(endpoint: string, id: string, secret: string, extra: Partial<GameLiftClientConfig> = {}) {
  return new GameLiftClient({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: id, secretAccessKey: secret },
    maxAttempts: 1,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  return assert.fail("expected the call to be refused");
}

describe("strict auth: signatures verified against a credentials file", () => {
  let dir: string;
  let server: RunningServer;
  let fleetArn: string;
  let expected: string[];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "liftlog-strict-"));
    writeFileSync(join(dir, "credentials"), CREDENTIALS);
    server = await startServer({ args: ["--auth", "strict", "--credentials-file", join(dir, "credentials")] });
    ({ FleetArn: fleetArn } = await registerFleet(server.endpoint, REGION, CI.account));
    const events = [3, 2, 1].map((i) => ({ EventCode: "GENERIC_EVENT", Message: `event ${i}`, EventTime: 1_750_000_000 + i }));
    await ingest(server.endpoint, fleetArn, events);
    const reader = sdk(server.endpoint, CI.id, CI.secret);
    expected = (await reader.send(new DescribeFleetEventsCommand({ FleetId: fleetArn }))).Events!.map(sdkLine);
    reader.destroy();
    assert.deepEqual(
      expected.map((l) => l.split(" | ")[6]),
      ["event 3", "event 2", "event 1"],
    );
  });
  after(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the JS SDK with the right secret reads its own account, over JSON 1.1 and CBOR; another key's account does not see it", async () => {
    for (const extra of [{}, { protocol: SmithyRpcV2CborProtocol }]) {
      const client = sdk(server.endpoint, CI.id, CI.secret, extra);
      const page = await client.send(new DescribeFleetEventsCommand({ FleetId: fleetArn }));
      assert.deepEqual(page.Events!.map(sdkLine), expected);
      client.destroy();
    }
    const ops = sdk(server.endpoint, OPS.id, OPS.secret);
    const other = await failure(ops.send(new DescribeFleetEventsCommand({ FleetId: fleetArn })));
    assert.equal(other.name, "NotFoundException");
    assert.deepEqual((await ops.send(new ListFleetsCommand({}))).FleetIds, []);
    ops.destroy();
  });

  it("the JS SDK gets AWS's errors for a wrong secret, an unknown key, a stale date and a body altered after signing", async () => {
    const ep = server.endpoint;
    const call = (client: GameLiftClient) => failure(client.send(new DescribeFleetEventsCommand({ FleetId: fleetArn, Limit: 5 })));
    for (const protocol of [{}, { protocol: SmithyRpcV2CborProtocol }]) {
      assert.deepEqual(await call(sdk(ep, CI.id, "wrong", protocol)), {
        name: "InvalidSignatureException",
        message: MISMATCH,
        status: 400,
      });
      assert.deepEqual(await call(sdk(ep, "AKIDNOBODYKNOWS", CI.secret, protocol)), {
        name: "UnrecognizedClientException",
        message: UNRECOGNIZED,
        status: 400,
      });
      const stale = await call(sdk(ep, CI.id, CI.secret, { ...protocol, systemClockOffset: -16 * 60 * 1000 }));
      assert.equal(stale.name, "InvalidSignatureException");
      assert.match(stale.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
      const future = await call(sdk(ep, CI.id, CI.secret, { ...protocol, systemClockOffset: 16 * 60 * 1000 }));
      assert.match(future.message, /^Signature not yet current: \d{8}T\d{6}Z is still later than/);
      // Within the skew both ways is fine.
      const skewed = sdk(ep, CI.id, CI.secret, { ...protocol, systemClockOffset: -14 * 60 * 1000 });
      assert.equal((await skewed.send(new DescribeFleetEventsCommand({ FleetId: fleetArn }))).Events!.length, 3);

      const altered = sdk(ep, CI.id, CI.secret, protocol);
      altered.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { body: string | Uint8Array };
          const body = Buffer.from(request.body);
          // The signed request asked for 5 events; ask for 6 (in JSON and in CBOR the 5 is the body's last byte).
          body[body.length - (typeof request.body === "string" ? 2 : 1)]! += 1;
          request.body = typeof request.body === "string" ? body.toString() : body;
          return next(args);
        },
        { step: "deserialize" },
      );
      assert.deepEqual(await call(altered), { name: "InvalidSignatureException", message: MISMATCH, status: 400 });
    }
  });

  it("presigned requests: verified in the query string, for any operation; expired or altered ones refused", async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: CI.id, secretAccessKey: CI.secret },
      region: REGION,
      service: "gamelift",
      sha256: Hash.bind(null, "sha256"),
    });
    const { host } = new URL(server.endpoint);
    const presigned = async (target: string, body: string, options: { signingDate?: Date; expiresIn?: number } = {}) => {
      const request = {
        method: "POST",
        protocol: "http:",
        hostname: host.split(":")[0]!,
        port: Number(host.split(":")[1]),
        path: "/",
        query: {},
        headers: { host, "content-type": "application/x-amz-json-1.1", "x-amz-target": `GameLift.${target}` },
        body,
      };
      const signed = await signer.presign(request, { unhoistableHeaders: new Set(["x-amz-target"]), ...options });
      const query = new URLSearchParams(signed.query as Record<string, string>);
      return (sentBody = body) =>
        fetch(`${server.endpoint}/?${query}`, {
          method: "POST",
          headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `GameLift.${target}` },
          body: sentBody,
        });
    };
    const body = JSON.stringify({ FleetIds: [fleetArn] });
    const attributes = await (await presigned("DescribeFleetAttributes", body))();
    assert.equal(attributes.status, 200);
    const json = (await attributes.json()) as { FleetAttributes: { FleetArn: string }[] };
    assert.deepEqual(
      json.FleetAttributes.map((f) => f.FleetArn),
      [fleetArn],
    );

    const events = await (await presigned("DescribeFleetEvents", JSON.stringify({ FleetId: fleetArn })))();
    assert.equal(events.status, 200);
    assert.equal(((await events.json()) as { Events: unknown[] }).Events.length, 3);

    const altered = await (await presigned("DescribeFleetAttributes", body))(JSON.stringify({ FleetIds: [fleetArn, fleetArn] }));
    assert.equal(altered.status, 400);
    assert.deepEqual(await altered.json(), { __type: "InvalidSignatureException", message: MISMATCH, Message: MISMATCH });

    const expired = await (await presigned("ListFleets", "{}", { signingDate: new Date(Date.now() - 120_000), expiresIn: 60 }))();
    assert.equal(expired.status, 400);
    assert.match(
      ((await expired.json()) as { message: string }).message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than .* - 60 sec\.\)$/,
    );
  });

  it("refuses malformed SigV4 with the error naming what is missing", async () => {
    const post = (headers: Record<string, string>, query = "") =>
      fetch(`${server.endpoint}/${query}`, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "GameLift.ListFleets", ...headers },
        body: "{}",
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { __type: string; message: string } }));
    const auth = (scope: string) =>
      `AWS4-HMAC-SHA256 Credential=${CI.id}/${scope}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;
    const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    const cases: [Record<string, string>, string, number, string, RegExp][] = [
      [
        { authorization: auth(`${today}/${REGION}/gamelift`) },
        "",
        400,
        "IncompleteSignatureException",
        /requires existence of an 'X-Amz-Date' header/,
      ],
      [
        { authorization: auth(`${today}/${REGION}/gamelift`), "x-amz-date": "yesterday" },
        "",
        400,
        "IncompleteSignatureException",
        /ISO-8601 'basic format'.*Got 'yesterday'/,
      ],
      [
        { authorization: auth(`${today}/${REGION}/s3`), "x-amz-date": `${today}T000000Z` },
        "",
        400,
        "InvalidSignatureException",
        /Credential should be scoped to correct service: 'gamelift'/,
      ],
      [
        { authorization: auth(`${today}/${REGION}/gamelift`) },
        "?X-Amz-Signature=00",
        400,
        "IncompleteSignatureException",
        /Only one auth mechanism/,
      ],
      [{}, "?X-Amz-Signature=00", 400, "IncompleteSignatureException", /must include 'X-Amz-Algorithm', 'X-Amz-Credential'/],
      [{}, "", 403, "MissingAuthenticationTokenException", /missing Authentication Token/],
    ];
    for (const [headers, query, status, code, message] of cases) {
      const res = await post(headers, query);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.__type, code, JSON.stringify(res.body));
      assert.match(res.body.message, message);
    }
  });

  const missing = pythonToolsMissing();
  it("boto3: right secret, wrong secret, unknown key, stale date, altered body, presigned URL", { skip: missing ?? false }, async () => {
    const script = join(REPO_ROOT, "test", "interop", "python", "boto3_strict.py");
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("python3", [script, server.endpoint, REGION, fleetArn, CI.id, CI.secret], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`boto3_strict.py exited ${code}:\n${stderr}`))));
    });
    const result = JSON.parse(out) as Record<string, { ok?: unknown; code?: string; message?: string; status?: number }> & {
      presigned: { url: string; query: string[]; body: { FleetIds: string[] } };
    };
    assert.deepEqual(result.right, { ok: expected });
    assert.deepEqual(result.wrong_secret, { code: "InvalidSignatureException", message: MISMATCH, status: 400 });
    assert.deepEqual(result.unknown_key, { code: "UnrecognizedClientException", message: UNRECOGNIZED, status: 400 });
    assert.equal(result.stale!.code, "InvalidSignatureException");
    assert.match(result.stale!.message!, /^Signature expired: .* - 15 min\.\)$/);
    assert.deepEqual(result.altered, { code: "InvalidSignatureException", message: MISMATCH, status: 400 });
    assert.deepEqual(result.presigned.query, [
      "X-Amz-Algorithm",
      "X-Amz-Credential",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-Signature",
      "X-Amz-SignedHeaders",
    ]);
    assert.deepEqual(result.presigned.body.FleetIds, [fleetArn.split("/")[1]]);
  });

  it("the AWS CLI: right secret succeeds, wrong secret and unknown key get AWS's errors", { skip: missing ?? false }, () => {
    const cli = (id: string, secret: string) =>
      spawnSync(
        "aws",
        ["gamelift", "describe-fleet-events", "--endpoint-url", server.endpoint, "--fleet-id", fleetArn, "--output", "json"],
        {
          encoding: "utf8",
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: id,
            AWS_SECRET_ACCESS_KEY: secret,
            AWS_DEFAULT_REGION: REGION,
            AWS_CONFIG_FILE: "/dev/null",
            AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
            AWS_MAX_ATTEMPTS: "1",
          },
        },
      );
    const ok = cli(CI.id, CI.secret);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(
      (JSON.parse(ok.stdout) as { Events: { Message: string }[] }).Events.map((e) => e.Message),
      ["event 3", "event 2", "event 1"],
    );
    const wrong = cli(CI.id, "wrong");
    assert.notEqual(wrong.status, 0);
    assert.match(
      wrong.stderr,
      /An error occurred \(InvalidSignatureException\) when calling the DescribeFleetEvents operation: The request signature we calculated/,
    );
    const unknown = cli("AKIDNOBODYKNOWS", CI.secret);
    assert.match(
      unknown.stderr,
      /An error occurred \(UnrecognizedClientException\) when calling the DescribeFleetEvents operation: The security token/,
    );
  });
});

describe("strict auth: configuration", () => {
  const serve = (args: string[]) =>
    spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...args], { encoding: "utf8" });

  it("--help says the default mode does not verify signatures, and how strict mode does", () => {
    const help = serve(["--help"]).stdout;
    assert.match(help, /default {2}the SigV4 signature is read for its region and access key but NOT verified/);
    assert.match(help, /strict {3}every signature is verified/);
  });

  it("refuses to start strict without keys, or with a file that would let in the wrong people", () => {
    const dir = mkdtempSync(join(tmpdir(), "liftlog-strict-config-"));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cases: [string[], RegExp][] = [
      [["--auth", "strict"], /--auth strict needs --credentials-file FILE/],
      [["--auth", "lenient"], /--auth must be one of default, strict, got 'lenient'/],
      [["--credentials-file", file("any", CREDENTIALS)], /--credentials-file applies to --auth strict only/],
      [["--auth", "strict", "--credentials-file", join(dir, "absent")], /--credentials-file .*absent: ENOENT/],
      [["--auth", "strict", "--credentials-file", file("empty", "# nothing\n")], /no keys in it/],
      [
        ["--auth", "strict", "--credentials-file", file("noaccount", "[a]\naws_access_key_id = A\naws_secret_access_key = s\n")],
        /section \[a\] needs aws_account_id/,
      ],
      [
        ["--auth", "strict", "--credentials-file", file("nosecret", "[a]\naws_access_key_id = A\naws_account_id = 111111111111\n")],
        /section \[a\] needs aws_access_key_id and aws_secret_access_key/,
      ],
      [
        [
          "--auth",
          "strict",
          "--credentials-file",
          file(
            "twice",
            "[a]\naws_access_key_id = A\naws_secret_access_key = s\naws_account_id = 111111111111\n[b]\naws_access_key_id = A\naws_secret_access_key = t\naws_account_id = 222222222222\n",
          ),
        ],
        /section \[b\] repeats access key A/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = serve(args);
      assert.notEqual(run.status, 0, args.join(" "));
      assert.match(run.stderr, message, args.join(" "));
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
