/**
 * Scenarios driven by real clients, the way a user's tooling drives GameLift:
 *  - boto3 on the manual clock: create_fleet with the liftlog:scenario tag (one success, two
 *    failures), a waiter-style poll of describe_fleet_attributes (advancing the clock between
 *    polls), then the describe_fleet_events paginator; the log URL of each failure opens.
 *  - the JS SDK v3 on the manual clock, the same for one failure.
 *  - the aws CLI against a server on a fast clock (--clock-speed): the done criterion.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { DescribeFleetAttributesCommand } from "@aws-sdk/client-gamelift";
import { pythonToolsMissing, startServer } from "../helpers/server.js";
import { advance, allEvents, BOTO3_PRELUDE, CREATION, ec2Fleet, manualFixture } from "./helpers.js";

const upTo = (code: string) => CREATION.slice(0, CREATION.indexOf(code) + 1);
const EXPECTED: Record<string, { codes: string[]; status: string }> = {
  success: { codes: CREATION, status: "ACTIVE" },
  "launch-path-not-found": {
    codes: [...upTo("FLEET_CREATION_VALIDATING_RUNTIME_CONFIG"), "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND", "FLEET_STATE_ERROR"],
    status: "ERROR",
  },
  "installer-failed": {
    codes: [...upTo("FLEET_CREATION_RUNNING_INSTALLER"), "FLEET_CREATION_FAILED_INSTALLER", "FLEET_STATE_ERROR"],
    status: "ERROR",
  },
  "activation-failed": { codes: [...upTo("FLEET_STATE_ACTIVATING"), "FLEET_ACTIVATION_FAILED", "FLEET_STATE_ERROR"], status: "ERROR" },
};

const BOTO3_SCRIPT = `${BOTO3_PRELUDE}
scenario = sys.argv[2]
build = client.create_build(Name="game", Version="1.0", OperatingSystem="AMAZON_LINUX_2023",
                            StorageLocation={"Bucket": "builds", "Key": "game.zip", "RoleArn": "arn:aws:iam::111122223333:role/gl"})
fleet = client.create_fleet(Name="boto3-" + scenario, BuildId=build["Build"]["BuildId"], EC2InstanceType="c5.large",
                            RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/server", "ConcurrentExecutions": 1}]},
                            Tags=[{"Key": "liftlog:scenario", "Value": scenario}])["FleetAttributes"]
fleet_id = fleet["FleetId"]

# A waiter's poll: describe until the fleet settles, 30 service seconds between attempts.
statuses = [fleet["Status"]]
for attempt in range(60):
    status = client.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"]
    if status != statuses[-1]:
        statuses.append(status)
    if status in ("ACTIVE", "ERROR"):
        break
    advance(30)

events = [e for page in client.get_paginator("describe_fleet_events").paginate(FleetId=fleet_id, PaginationConfig={"PageSize": 3})
          for e in page["Events"]]
logs = {}
for e in events:
    if e["EventCode"].startswith("FLEET_VALIDATION_") or e["EventCode"].endswith("_FAILED") or e["EventCode"] == "FLEET_CREATION_FAILED_INSTALLER":
        with urllib.request.urlopen(e["PreSignedLogUrl"]) as r:
            logs[e["EventCode"]] = r.read().decode()
print(json.dumps({"fleetId": fleet_id, "statuses": statuses, "codes": [e["EventCode"] for e in events],
                  "messages": [e["Message"] for e in events], "times": [e["EventTime"].timestamp() for e in events],
                  "logs": logs}))
`;

describe("scenarios through real clients", () => {
  const f = manualFixture();

  for (const scenario of ["success", "launch-path-not-found", "installer-failed"]) {
    it(`boto3: ${scenario} — create_fleet with the tag, a waiter-style poll, the events paginator`, { skip: pythonToolsMissing() }, () => {
      const run = spawnSync("python3", ["-c", BOTO3_SCRIPT, f.server.endpoint, scenario], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout) as {
        fleetId: string;
        statuses: string[];
        codes: string[];
        messages: string[];
        times: number[];
        logs: Record<string, string>;
      };
      const expected = EXPECTED[scenario]!;
      assert.deepEqual(out.codes, [...expected.codes].reverse(), "newest first, exactly the documented sequence");
      const states = ["NEW", ...expected.codes.filter((c) => c.startsWith("FLEET_STATE_")).map((c) => c.slice(12))];
      assert.deepEqual(out.statuses, states, "the poll saw every status the events name, in order");
      for (let i = 1; i < out.times.length; i++) assert.ok(out.times[i - 1]! >= out.times[i]!, "EventTime descending");
      for (const m of out.messages) assert.ok(m.includes(out.fleetId), m);
      if (expected.status === "ERROR") {
        const failure = expected.codes.at(-2)!;
        assert.deepEqual(Object.keys(out.logs), [failure]);
        assert.ok(out.logs[failure]!.includes(out.fleetId));
      }
    });
  }

  it("JS SDK v3: activation-failed — poll DescribeFleetAttributes until it settles, then read the log", async () => {
    const created = await ec2Fleet(f.client, f.buildId, "activation-failed");
    const fleetId = created.FleetAttributes!.FleetId!;
    let status = created.FleetAttributes!.Status;
    for (let attempt = 0; attempt < 60 && status !== "ACTIVE" && status !== "ERROR"; attempt++) {
      await advance(f.server.endpoint, 30);
      status = (await f.client.send(new DescribeFleetAttributesCommand({ FleetIds: [fleetId] }))).FleetAttributes![0]!.Status;
    }
    assert.equal(status, "ERROR");
    const events = await allEvents(f.client, fleetId);
    assert.deepEqual(
      events.map((e) => e.EventCode),
      [...EXPECTED["activation-failed"]!.codes].reverse(),
    );
    const log = await (await fetch(events[1]!.PreSignedLogUrl!)).text();
    assert.match(log, /No server process called ProcessReady\(\) within 5 minutes; activation failed\./);
  });

  it(
    "aws CLI on a fast clock: create-fleet with the scenario tag, then describe-fleet-events shows the failed fleet's sequence",
    { skip: pythonToolsMissing() },
    async () => {
      // 100 service seconds per wall second: the failure, 250 service seconds in, comes 2.5 s after creation.
      const server = await startServer({ args: ["--clock-speed", "100"] });
      try {
        const env = {
          ...process.env,
          AWS_ACCESS_KEY_ID: "AKIDLIFTLOGTEST",
          AWS_SECRET_ACCESS_KEY: "secret",
          AWS_DEFAULT_REGION: "us-west-2",
          AWS_PAGER: "",
        };
        const aws = (...args: string[]) => {
          const run = spawnSync("aws", ["gamelift", ...args, "--endpoint-url", server.endpoint, "--output", "json"], {
            encoding: "utf8",
            env,
          });
          assert.equal(run.status, 0, `aws gamelift ${args[0]}: ${run.stderr}`);
          return JSON.parse(run.stdout);
        };
        const build = aws(
          "create-build",
          "--name",
          "game",
          "--storage-location",
          "Bucket=builds,Key=game.zip,RoleArn=arn:aws:iam::111122223333:role/gl",
        );
        const fleet = aws(
          "create-fleet",
          "--name",
          "cli-fleet",
          "--build-id",
          build.Build.BuildId,
          "--ec2-instance-type",
          "c5.large",
          "--runtime-configuration",
          "ServerProcesses=[{LaunchPath=/local/game/server,ConcurrentExecutions=1}]",
          "--tags",
          "Key=liftlog:scenario,Value=launch-path-not-found",
        ).FleetAttributes;
        const deadline = Date.now() + 30_000;
        let status = fleet.Status;
        while (status !== "ERROR" && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 250));
          status = aws("describe-fleet-attributes", "--fleet-ids", fleet.FleetId).FleetAttributes[0].Status;
        }
        assert.equal(status, "ERROR");
        const events = aws("describe-fleet-events", "--fleet-id", fleet.FleetId).Events as {
          EventCode: string;
          Message: string;
          EventTime: number;
          PreSignedLogUrl?: string;
        }[];
        assert.deepEqual(
          events.map((e) => e.EventCode),
          [...EXPECTED["launch-path-not-found"]!.codes].reverse(),
        );
        // On the scaled clock the stages keep their lengths in service time.
        const created = events.at(-1)!.EventTime;
        assert.deepEqual(events.map((e) => Math.round(e.EventTime - created)).reverse(), [0, 20, 80, 110, 170, 180, 190, 250, 250]);
        const failure = events[1]!;
        assert.equal(
          failure.Message,
          `Fleet ${fleet.FleetId}: failed to find a valid path: launch path /local/game/server does not exist on instance ${failure.Message.match(/i-[0-9a-f]{17}/)![0]}.`,
        );
        const log = await fetch(failure.PreSignedLogUrl!);
        assert.equal(log.status, 200);
        assert.match(await log.text(), /Launch path \/local\/game\/server \(parameters: none; 1 concurrent\): NOT FOUND/);
      } finally {
        await server.dispose();
      }
    },
  );
});
