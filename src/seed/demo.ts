/**
 * The demo data set `liftlog seed` writes: a handful of EC2 fleets over the last days, with the
 * event logs a real GameLift account accumulates — creation sequences with stage logs, a fleet that
 * failed validation, autoscaling, crashing server processes, spot interruptions, game sessions that
 * never activated, a protection policy change, a deleted fleet.
 *
 * planDemo is pure: the same options give the same fleets and events, IDs included; the same seed
 * gives the same fleet IDs whatever the days and end time. Each fleet's record carries the final
 * Status its events lead to.
 */
import { fleetArn } from "../fleets/ids.js";
import type { FleetRecord, NewEvent, Scope } from "../store/types.js";
import { SeededRandom } from "./random.js";

export interface DemoOptions {
  scope: Scope;
  fleets: number;
  days: number;
  randomSeed: number;
  /** The demo's events all happen in the `days` before this instant (epoch ms). */
  endTimeMs: number;
}

/**
 * What a fleet does in the demo. The first four fleets take one role each so that every kind of
 * event shows up; further fleets alternate between steady and spot.
 */
export type FleetRole = "steady" | "spot" | "failed" | "deleted";

export interface DemoFleet {
  role: FleetRole;
  fleet: FleetRecord;
  /** Oldest first: the order they are stored in. */
  events: NewEvent[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const GAMES = ["arena", "racer", "lobby", "raid", "brawl", "quest"] as const;
const INSTANCE_TYPES = ["c5.large", "c5.xlarge", "c6i.large", "c6i.xlarge", "m5.large"] as const;

export function fleetRole(index: number): FleetRole {
  const firsts: FleetRole[] = ["steady", "spot", "failed", "deleted"];
  return firsts[index] ?? (index % 2 === 0 ? "steady" : "spot");
}

export function planDemo(options: DemoOptions): DemoFleet[] {
  // One source per fleet, so a fleet's ID depends on the seed and its position only, not on how
  // many events the fleets before it drew (which varies with --days and --end-time).
  return Array.from({ length: options.fleets }, (_, index) =>
    planFleet(new SeededRandom(options.randomSeed ^ Math.imul(index + 1, 0x9e3779b1)), options, index),
  );
}

/** Per-fleet facts the messages and logs refer to. */
interface FleetSetup {
  id: string;
  region: string;
  game: string;
  buildId: string;
  launchPath: string;
  /** What the build really contains; differs from launchPath only for the failed fleet. */
  installedPath: string;
  processes: number;
  instances: string[];
}

function planFleet(rng: SeededRandom, options: DemoOptions, index: number): DemoFleet {
  const role = fleetRole(index);
  const { scope, endTimeMs } = options;
  const window = options.days * DAY;
  const start = endTimeMs - window;
  const game = GAMES[index % GAMES.length]!;
  const id = `fleet-${rng.uuid()}`;
  const installedPath = `/local/game/bin/${game}-server.x86_64`;
  const setup: FleetSetup = {
    id,
    region: scope.region,
    game,
    buildId: `build-${rng.uuid()}`,
    // The failed fleet's runtime configuration names the binary with the wrong case.
    launchPath: role === "failed" ? `/local/game/bin/${capitalize(game)}-Server.x86_64` : installedPath,
    installedPath,
    processes: rng.pick([4, 8, 10, 16]),
    instances: Array.from({ length: rng.int(2, 5) }, () => instanceId(rng)),
  };
  const createdAt = Math.round(
    role === "failed" ? start + rng.between(0.3, 0.6) * window : start + rng.between(0, index >= 4 ? 0.5 : 0.08) * window,
  );
  const deletedAt = role === "deleted" ? Math.round(start + rng.between(0.55, 0.75) * window) : undefined;
  const log = new FleetLog(rng, id);
  const protectionPolicy = { value: "NoProtection" };

  log.add(createdAt, "FLEET_CREATED", `Fleet ${id} created.`);
  const settled = creationSequence(rng, log, setup, createdAt, role === "failed");
  if (role !== "failed") {
    running(rng, log, setup, settled, deletedAt ?? endTimeMs, {
      spot: role === "spot",
      deleting: deletedAt !== undefined,
      protectionPolicy: index === 0 ? protectionPolicy : undefined,
    });
  }
  if (deletedAt !== undefined) {
    log.add(deletedAt, "FLEET_DELETED", `Fleet ${id} deleted; it changed state from ACTIVE to TERMINATED.`);
  }
  const events = log.sorted();
  const fleet: FleetRecord = {
    ...scope,
    fleetId: id,
    fleetArn: fleetArn(scope, id),
    name: `demo-${game}-${role === "steady" ? "prod" : role}-${index + 1}`,
    kind: "simulated",
    status: finalStatus(events),
    creationTimeMs: createdAt,
    ...(deletedAt !== undefined ? { terminationTimeMs: deletedAt } : {}),
    deleted: deletedAt !== undefined,
    attributes: {
      Description: `liftlog demo: ${game} game servers (${role})`,
      FleetType: role === "spot" ? "SPOT" : "ON_DEMAND",
      InstanceType: rng.pick(INSTANCE_TYPES),
      ComputeType: "EC2",
      BuildId: setup.buildId,
      BuildArn: `arn:aws:gamelift:${scope.region}:${scope.accountId}:build/${setup.buildId}`,
      ServerLaunchPath: setup.launchPath,
      ServerLaunchParameters: "-port 7777 -log /local/game/logs/server.log",
      LogPaths: ["/local/game/logs"],
      NewGameSessionProtectionPolicy: protectionPolicy.value,
      OperatingSystem: "AMAZON_LINUX_2023",
      MetricGroups: ["default"],
      CertificateConfiguration: { CertificateType: "DISABLED" },
    },
  };
  return { role, fleet, events };
}

/** The Status a fleet's log leads to: its last state change, or TERMINATED once deleted. */
export function finalStatus(events: readonly Pick<NewEvent, "eventCode">[]): string {
  let status = "NEW";
  for (const { eventCode } of events) {
    if (eventCode === "FLEET_DELETED") status = "TERMINATED";
    else if (eventCode.startsWith("FLEET_STATE_")) status = eventCode.slice("FLEET_STATE_".length);
  }
  return status;
}

/** Collects one fleet's events; IDs come from the seeded source so they repeat with the seed. */
class FleetLog {
  private readonly events: NewEvent[] = [];

  constructor(
    private readonly rng: SeededRandom,
    private readonly fleetId: string,
  ) {}

  add(eventTimeMs: number, eventCode: string, message: string, extra: { count?: number; log?: string } = {}): void {
    this.events.push({
      eventId: this.rng.uuid(),
      fleetId: this.fleetId,
      resourceId: this.fleetId,
      eventCode,
      message,
      eventTimeMs: Math.round(eventTimeMs),
      ...(extra.count !== undefined ? { count: extra.count } : {}),
      ...(extra.log !== undefined ? { log: extra.log } : {}),
    });
  }

  /** Oldest first; events at the same millisecond keep the order they were added in. */
  sorted(): NewEvent[] {
    return [...this.events].sort((a, b) => a.eventTimeMs - b.eventTimeMs);
  }
}

const stateChanged = (id: string, state: string) => `Fleet ${id} changed state to ${state}`;

/**
 * FLEET_CREATED is already logged at `t`; emits the stages up to ACTIVE (or up to the launch path
 * failure and ERROR) and returns when the fleet settled.
 */
function creationSequence(rng: SeededRandom, log: FleetLog, s: FleetSetup, t: number, fails: boolean): number {
  const instance = s.instances[0]!;
  const step = (minSeconds: number, maxSeconds: number) => (t += Math.round(rng.between(minSeconds, maxSeconds) * SECOND));

  log.add(step(2, 6), "FLEET_STATE_DOWNLOADING", stateChanged(s.id, "DOWNLOADING"));
  log.add(
    step(40, 120),
    "FLEET_CREATION_EXTRACTING_BUILD",
    `Extracting build ${s.buildId} to /local/game on instance ${instance} of fleet ${s.id}`,
    {
      log: extractLog(rng, s),
    },
  );
  log.add(
    step(5, 30),
    "FLEET_CREATION_RUNNING_INSTALLER",
    `Running the install script of build ${s.buildId} on instance ${instance} of fleet ${s.id}`,
    {
      log: installerLog(s),
    },
  );
  log.add(
    step(10, 60),
    "FLEET_CREATION_COMPLETED_INSTALLER",
    `The install script of build ${s.buildId} completed on instance ${instance} of fleet ${s.id}; validation begins shortly`,
  );
  log.add(step(1, 3), "FLEET_STATE_VALIDATING", stateChanged(s.id, "VALIDATING"));
  log.add(
    step(3, 10),
    "FLEET_CREATION_VALIDATING_RUNTIME_CONFIG",
    `Validating the runtime configuration of fleet ${s.id}: 1 launch path, ${s.processes} concurrent processes`,
    {
      log: runtimeConfigLog(s),
    },
  );
  if (fails) {
    log.add(
      step(20, 60),
      "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND",
      `Failed to find a valid path: launch path ${s.launchPath} does not exist on instance ${instance} of fleet ${s.id}`,
      {
        log: runtimeConfigLog(s),
      },
    );
    log.add(step(0.2, 1), "FLEET_STATE_ERROR", stateChanged(s.id, "ERROR"));
    return t;
  }
  log.add(step(60, 180), "FLEET_STATE_BUILDING", stateChanged(s.id, "BUILDING"));
  log.add(step(0.1, 0.5), "FLEET_STATE_ACTIVATING", stateChanged(s.id, "ACTIVATING"));
  log.add(step(15, 60), "FLEET_STATE_ACTIVE", stateChanged(s.id, "ACTIVE"));
  return t;
}

type IncidentKind = "scale" | "crash" | "unhealthy" | "activation-timeout" | "interrupted" | "recycled" | "protection-policy";

/** How often each incident happens per active day, and whether every fleet that can have it gets one. */
const INCIDENT_RATES: Record<Exclude<IncidentKind, "protection-policy">, { perDay: number; atLeastOne: boolean; spotOnly?: boolean }> = {
  scale: { perDay: 10, atLeastOne: true },
  crash: { perDay: 2, atLeastOne: true },
  unhealthy: { perDay: 0.5, atLeastOne: false },
  "activation-timeout": { perDay: 1, atLeastOne: true },
  interrupted: { perDay: 0.8, atLeastOne: true, spotOnly: true },
  recycled: { perDay: 0.6, atLeastOne: true, spotOnly: true },
};

interface Capacity {
  desired: number;
  min: number;
  max: number;
}

/**
 * The life of an ACTIVE fleet from `from` to `to`: incident times are drawn first, then played in
 * time order so that each message sees the fleet as it is then (its capacity, its instances).
 */
function running(
  rng: SeededRandom,
  log: FleetLog,
  s: FleetSetup,
  from: number,
  to: number,
  options: { spot: boolean; deleting: boolean; protectionPolicy?: { value: string } },
): void {
  const capacity: Capacity = { desired: 1, min: rng.int(1, 2), max: rng.int(8, 20) };
  // The operator sets the fleet's capacity a few minutes after it comes up.
  const first = from + rng.int(2, 10) * MINUTE;
  scale(log, s, first, capacity, { ...capacity, desired: rng.int(2, 4) });
  const quietEnd = to - 15 * MINUTE;
  const incidents: { at: number; kind: IncidentKind }[] = [];
  const activeDays = Math.max(0, quietEnd - first) / DAY;
  for (const [kind, rate] of Object.entries(INCIDENT_RATES) as [IncidentKind, (typeof INCIDENT_RATES)["scale"]][]) {
    if (rate.spotOnly && !options.spot) continue;
    let n = Math.round(rate.perDay * activeDays * rng.between(0.7, 1.3));
    if (rate.atLeastOne) n = Math.max(1, n);
    for (let i = 0; i < n; i++) incidents.push({ at: Math.round(rng.between(first + MINUTE, quietEnd)), kind });
  }
  if (options.protectionPolicy) incidents.push({ at: Math.round(rng.between(first + MINUTE, quietEnd)), kind: "protection-policy" });
  incidents.sort((a, b) => a.at - b.at);

  let crashes = 0;
  for (const { at, kind } of incidents) {
    switch (kind) {
      case "scale": {
        const next = scalingTarget(rng, at, capacity);
        if (next.desired !== capacity.desired || next.min !== capacity.min || next.max !== capacity.max) scale(log, s, at, capacity, next);
        break;
      }
      case "crash":
        // The first crash is a burst (Count > 1): a bad build crashing repeatedly in one window.
        crash(rng, log, s, at, crashes++ === 0 || rng.chance(0.6) ? rng.int(2, 40) : 1);
        break;
      case "unhealthy":
        log.add(
          at,
          "SERVER_PROCESS_TERMINATED_UNHEALTHY",
          `Server process ${s.launchPath} on instance ${rng.pick(s.instances)} of fleet ${s.id} did not report healthy for 60 seconds and was terminated`,
          {
            count: rng.int(1, 3),
          },
        );
        break;
      case "activation-timeout": {
        const session = `arn:aws:gamelift:${s.region}::gamesession/${s.id}/gsess-${rng.uuid()}`;
        log.add(
          at,
          "GAME_SESSION_ACTIVATION_TIMEOUT",
          `Game session ${session} on instance ${rng.pick(s.instances)} failed to activate within the expected time (600 seconds)`,
        );
        break;
      }
      case "interrupted": {
        const slot = rng.int(0, s.instances.length - 1);
        log.add(
          at,
          "INSTANCE_INTERRUPTED",
          `Spot instance ${s.instances[slot]} in fleet ${s.id} (${s.region}) was interrupted by EC2 with a two-minute notification; ${rng.int(0, s.processes)} game sessions ended`,
        );
        s.instances[slot] = instanceId(rng);
        break;
      }
      case "recycled": {
        const slot = rng.int(0, s.instances.length - 1);
        log.add(
          at,
          "INSTANCE_RECYCLED",
          `Spot instance ${s.instances[slot]} in fleet ${s.id} (${s.region}) has a high risk of interruption; it will be recycled once it has no active game sessions`,
        );
        s.instances[slot] = instanceId(rng);
        break;
      }
      case "protection-policy":
        log.add(
          at,
          "FLEET_NEW_GAME_SESSION_PROTECTION_POLICY_UPDATED",
          `Fleet ${s.id} new game session protection policy changed from NoProtection to FullProtection`,
        );
        options.protectionPolicy!.value = "FullProtection";
        break;
    }
  }
  // A fleet about to be deleted is scaled to zero first, as operators do.
  if (options.deleting) scale(log, s, to - rng.int(3, 10) * MINUTE, capacity, { ...capacity, desired: 0, min: 0 });
}

/** Autoscaling that follows the day: more instances in the evening (UTC), fewer at night. */
function scalingTarget(rng: SeededRandom, at: number, c: Capacity): Capacity {
  const next = { ...c };
  if (rng.chance(0.04)) next.max = Math.max(next.min + 2, next.max + rng.pick([-2, 2, 4]));
  const hour = new Date(at).getUTCHours();
  const load = (1 + Math.sin(((hour - 14) / 24) * 2 * Math.PI)) / 2;
  const target = Math.round(next.min + load * (next.max - next.min) * 0.8) + rng.int(-1, 1);
  next.desired = Math.min(next.max, Math.max(next.min, target));
  return next;
}

function scale(log: FleetLog, s: FleetSetup, at: number, c: Capacity, next: Capacity): void {
  log.add(
    at,
    "FLEET_SCALING_EVENT",
    `Fleet ${s.id} capacity changed in ${s.region}: desired instances ${next.desired} (was ${c.desired}), minimum ${next.min}, maximum ${next.max}`,
  );
  Object.assign(c, next);
}

function crash(rng: SeededRandom, log: FleetLog, s: FleetSetup, at: number, count: number): void {
  const instance = rng.pick(s.instances);
  const [signal, exitCode] = rng.pick([
    ["SIGSEGV", 139],
    ["SIGABRT", 134],
  ] as const);
  log.add(
    at,
    "SERVER_PROCESS_CRASHED",
    `Server process ${s.launchPath} on instance ${instance} of fleet ${s.id} exited without calling ProcessEnding() (exit code ${exitCode})`,
    {
      count,
      log: [
        `${s.game}-server: listening on port ${7777 + rng.int(0, s.processes - 1)}`,
        "GameLift SDK: InitSDK succeeded",
        "GameLift SDK: ProcessReady sent",
        `${s.game}-server: loading map ${rng.pick(["harbor", "canyon", "citadel", "station"])}`,
        `Caught ${signal}; no ProcessEnding() was called`,
        `Process exited with code ${exitCode}`,
      ].join("\n"),
    },
  );
}

function extractLog(rng: SeededRandom, s: FleetSetup): string {
  const files = [
    s.installedPath,
    "/local/game/bin/libgamelift-server-sdk.so",
    "/local/game/bin/libsteam_api.so",
    `/local/game/data/${s.game}-maps.pak`,
    `/local/game/data/${s.game}-assets.pak`,
    "/local/game/install.sh",
  ];
  return [
    `Extracting ${s.buildId} (${rng.int(180, 900)}.${rng.int(0, 9)} MB) to /local/game`,
    ...files.map((f) => `  ${f}`),
    `Extracted ${files.length} files`,
  ].join("\n");
}

function installerLog(s: FleetSetup): string {
  return [
    "Running /local/game/install.sh",
    `+ chmod +x ${s.installedPath}`,
    "+ mkdir -p /local/game/logs",
    "+ dnf install -y libatomic",
    "Complete!",
    "Install script exited with code 0",
  ].join("\n");
}

function runtimeConfigLog(s: FleetSetup): string {
  const found = s.launchPath === s.installedPath;
  return [
    "Runtime configuration:",
    `  LaunchPath=${s.launchPath} Parameters="-port 7777 -log /local/game/logs/server.log" ConcurrentExecutions=${s.processes}`,
    found
      ? `Launch path ${s.launchPath}: found`
      : `Launch path ${s.launchPath}: NOT FOUND (files in /local/game/bin: ${s.installedPath.split("/").pop()}, libgamelift-server-sdk.so, libsteam_api.so)`,
  ].join("\n");
}

const instanceId = (rng: SeededRandom) => `i-${rng.hex(17)}`;

const capitalize = (word: string) => word[0]!.toUpperCase() + word.slice(1);
