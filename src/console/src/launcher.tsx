/**
 * Scenario launcher: creates a fleet with the `liftlog:scenario` tag through the real GameLift API
 * and opens it, so its creation plays out on the timeline. A scenario that EC2 fleets can play gets
 * an EC2 fleet (CreateBuild with a storage location, so the build is READY, then CreateFleet); one
 * only container fleets can play gets a container fleet (CreateContainerGroupDefinition, READY at
 * once in liftlog, then CreateContainerFleet).
 */
import {
  CreateBuildCommand,
  CreateContainerFleetCommand,
  CreateContainerGroupDefinitionCommand,
  CreateFleetCommand,
  type Tag,
} from "@aws-sdk/client-gamelift";
import { useEffect, useState } from "react";
import { adminJson, errorText, gamelift } from "./api";
import { navigate } from "./router";

interface Scenario {
  Name: string;
  Description: string;
  FleetTypes: string[];
  EventCodes: string[];
  FinalStatus: string;
  Requires?: string;
}

/** The kind of fleet the launcher creates for a scenario, or undefined when it creates none (Anywhere only). */
function fleetKind(scenario: Scenario): "EC2" | "CONTAINER" | undefined {
  if (scenario.FleetTypes.includes("EC2")) return "EC2";
  return scenario.FleetTypes.includes("CONTAINER") ? "CONTAINER" : undefined;
}

async function launch(scenario: Scenario, name: string): Promise<string> {
  const tags: Tag[] = [{ Key: "liftlog:scenario", Value: scenario.Name }];
  return fleetKind(scenario) === "CONTAINER" ? launchContainerFleet(name, tags) : launchEc2Fleet(scenario, name, tags);
}

async function launchEc2Fleet(scenario: Scenario, name: string, tags: Tag[]): Promise<string> {
  const client = gamelift();
  const build = await client.send(
    new CreateBuildCommand({
      Name: `${name}-build`,
      OperatingSystem: "AMAZON_LINUX_2023",
      StorageLocation: { Bucket: "liftlog-console", Key: "server.zip", RoleArn: "arn:aws:iam::000000000000:role/liftlog-console" },
    }),
  );
  const fleet = await client.send(
    new CreateFleetCommand({
      Name: name,
      BuildId: build.Build!.BuildId,
      EC2InstanceType: "c5.large",
      FleetType: scenario.Requires?.includes("SPOT") ? "SPOT" : "ON_DEMAND",
      RuntimeConfiguration: { ServerProcesses: [{ LaunchPath: "/local/game/server", ConcurrentExecutions: 1 }] },
      ...(scenario.Requires?.includes("PeerVpcId") ? { PeerVpcId: "vpc-0123456789abcdef0", PeerVpcAwsAccountId: "111122223333" } : {}),
      Tags: tags,
    }),
  );
  return fleet.FleetAttributes!.FleetId!;
}

async function launchContainerFleet(name: string, tags: Tag[]): Promise<string> {
  const client = gamelift();
  // Definition names allow letters, digits and hyphens only; the fleet keeps its tag for the name.
  const definition = await client.send(
    new CreateContainerGroupDefinitionCommand({
      Name: `${name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 100)}-group`,
      OperatingSystem: "AMAZON_LINUX_2023",
      TotalMemoryLimitMebibytes: 2048,
      TotalVcpuLimit: 1,
      GameServerContainerDefinition: {
        ContainerName: "game-server",
        ImageUri: "public.ecr.aws/liftlog-console/game-server:latest",
        ServerSdkVersion: "5.2.0",
        PortConfiguration: { ContainerPortRanges: [{ FromPort: 7777, ToPort: 7777, Protocol: "UDP" }] },
      },
    }),
  );
  const fleet = await client.send(
    new CreateContainerFleetCommand({
      Description: name,
      FleetRoleArn: "arn:aws:iam::000000000000:role/liftlog-console",
      GameServerContainerGroupDefinitionName: definition.ContainerGroupDefinition!.Name,
      Tags: tags,
    }),
  );
  return fleet.ContainerFleet!.FleetId!;
}

export function Launcher({ onError }: { onError: (err: unknown) => void }) {
  const [scenarios, setScenarios] = useState<Scenario[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [name, setName] = useState("");

  useEffect(() => {
    adminJson<{ Scenarios: Scenario[] }>("/_liftlog/scenarios").then(
      (out) => setScenarios(out.Scenarios),
      (err) => {
        onError(err);
        setError(errorText(err));
      },
    );
  }, [onError]);

  const start = async (s: Scenario) => {
    setBusy(s.Name);
    setError(undefined);
    try {
      const id = await launch(s, name.trim() || `${s.Name}-${new Date().toISOString().slice(11, 19).replace(/:/g, "")}`);
      navigate(`/fleets/${id}`);
    } catch (err) {
      setError(errorText(err));
      setBusy(undefined);
    }
  };

  return (
    <main className="page">
      <div className="page-head">
        <h1>Launch a scenario</h1>
      </div>
      <p className="muted">
        Creates a fleet tagged <code>liftlog:scenario</code> in the chosen region and opens it, so you can watch its creation succeed or
        fail on the timeline: an EC2 fleet (CreateBuild, then CreateFleet), or a container fleet (CreateContainerGroupDefinition, then
        CreateContainerFleet) for a scenario only container fleets play.
      </p>
      <label className="name-field">
        Fleet name <input value={name} placeholder="scenario name and time" onChange={(e) => setName(e.target.value)} />
      </label>
      {error && <p className="error-box">{error}</p>}
      {!scenarios && !error && <p className="muted">Loading scenarios…</p>}
      {scenarios && (
        <table className="scenarios">
          <thead>
            <tr>
              <th>Scenario</th>
              <th>What happens</th>
              <th>Ends</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {scenarios.map((s) => {
              const kind = fleetKind(s);
              return (
                <tr key={s.Name} data-scenario={s.Name}>
                  <td className="mono">{s.Name}</td>
                  <td>
                    {s.Description}
                    <div className="muted small mono">{s.EventCodes.join(" → ")}</div>
                  </td>
                  <td>{s.FinalStatus}</td>
                  <td>
                    <button
                      disabled={!kind || busy !== undefined}
                      title={
                        kind
                          ? `Creates ${kind === "EC2" ? "an EC2" : "a container"} fleet`
                          : `For ${s.FleetTypes.join("/")} fleets; launch it with the SDK`
                      }
                      onClick={() => void start(s)}
                    >
                      {busy === s.Name ? "Launching…" : "Launch"}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
