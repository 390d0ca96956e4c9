/**
 * The text behind an event's PreSignedLogUrl: what a real log of that stage lists — the files a
 * build extraction wrote, the install script's steps, the launch paths checked and whether each was
 * found, and for failures what went wrong. Built from the fleet's own settings (build, operating
 * system, runtime configuration), so the same fleet always gets the same log.
 */
import type { FleetRecord } from "../store/types.js";
import type { LogKind } from "./scenarios.js";

export interface LogContext {
  fleet: FleetRecord;
  /** The instance or compute the log is from; none for what happens before the fleet has one. */
  instance?: string;
  host: "instance" | "compute";
  at: number;
  launchPaths: { path: string; parameters?: string; concurrent: number }[];
  /** The scenario's failure code, if creation fails. */
  failure?: string;
}

const windows = (fleet: FleetRecord) => String(fleet.attributes.OperatingSystem ?? "").startsWith("WINDOWS");
const gameRoot = (fleet: FleetRecord) => (windows(fleet) ? "C:\\game" : "/local/game");
const join = (fleet: FleetRecord, name: string) => (windows(fleet) ? `${gameRoot(fleet)}\\${name}` : `${gameRoot(fleet)}/${name}`);
const fileName = (path: string) => path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);

function header(c: LogContext, what: string): string[] {
  const on = c.instance ? ` ${c.host} ${c.instance}` : "";
  return [`${new Date(c.at).toISOString()} fleet ${c.fleet.fleetId}${on} (${c.fleet.region}): ${what}`];
}

function extracting(c: LogContext): string[] {
  const build = String(c.fleet.attributes.BuildId ?? c.fleet.attributes.ScriptId ?? "build");
  const launchFiles = c.launchPaths.map((p) => p.path);
  const files = [
    join(c.fleet, windows(c.fleet) ? "install.bat" : "install.sh"),
    ...launchFiles,
    join(c.fleet, "config/server.ini"),
    join(c.fleet, "data/assets.pak"),
  ];
  return [
    ...header(c, `extracting build ${build}`),
    `Archive: ${windows(c.fleet) ? "C:\\buildcache" : "/local/buildcache"}/${build}.zip`,
    ...files.map((f) => `  inflating: ${f}`),
    `Extracted ${files.length} files to ${gameRoot(c.fleet)}`,
  ];
}

function installer(c: LogContext, fails: boolean): string[] {
  const script = join(c.fleet, windows(c.fleet) ? "install.bat" : "install.sh");
  return [
    ...header(c, `running install script ${script}`),
    "[install] step 1/3: checking dependencies ... ok",
    fails
      ? "[install] step 2/3: installing runtime libraries ... FAILED: package game-runtime could not be installed"
      : "[install] step 2/3: installing runtime libraries ... ok",
    ...(fails ? [] : ["[install] step 3/3: setting file permissions ... ok"]),
    `Install script exited with code ${fails ? 1 : 0}${fails ? "; fleet creation stops before validation." : "."}`,
  ];
}

function runtimeConfig(c: LogContext): string[] {
  const missing = c.failure === "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND";
  return [
    ...header(c, `validating the runtime configuration (${c.launchPaths.length} server process configuration(s))`),
    ...c.launchPaths.map(
      (p) =>
        `Launch path ${p.path} (parameters: ${p.parameters ? JSON.stringify(p.parameters) : "none"}; ${p.concurrent} concurrent): ${missing ? "NOT FOUND" : "found"}`,
    ),
    missing
      ? `No launch path exists under ${gameRoot(c.fleet)}.`
      : `Launching ${fileName(c.launchPaths[0]!.path)} and waiting for ProcessReady().`,
  ];
}

function failure(c: LogContext): string[] {
  const first = c.launchPaths[0]!.path;
  switch (c.failure) {
    case "FLEET_INITIALIZATION_FAILED":
      return [
        ...header(c, "allocating the first instance"),
        "error: InternalServiceError while initializing the fleet; no instance was started.",
      ];
    case "FLEET_BINARY_DOWNLOAD_FAILED":
      return [
        ...header(c, `downloading build ${String(c.fleet.attributes.BuildId ?? "")}`),
        "attempt 1/3: connection reset by peer",
        "attempt 2/3: connection reset by peer",
        "attempt 3/3: connection reset by peer",
        "error: the build could not be downloaded to the instance.",
      ];
    case "FLEET_CREATION_FAILED_INSTALLER":
      return installer(c, true);
    case "FLEET_VALIDATION_LAUNCH_PATH_NOT_FOUND":
      return runtimeConfig(c);
    case "FLEET_VALIDATION_EXECUTABLE_RUNTIME_FAILURE":
      return [
        ...header(c, `launching ${first}`),
        `${fileName(first)}: error while loading shared libraries: libgame-runtime.so: cannot open shared object file`,
        `${first} exited with code 127.`,
      ];
    case "FLEET_VALIDATION_TIMED_OUT":
      return [...header(c, `launching ${first}`), `Waited 600 seconds for the server process to report ready: timed out.`];
    case "FLEET_ACTIVATION_FAILED":
      return [
        ...header(c, `starting server processes from ${first}`),
        "Server process started; waiting for ProcessReady()",
        "No server process called ProcessReady() within 5 minutes; activation failed.",
      ];
    case "FLEET_ACTIVATION_FAILED_NO_INSTANCES":
      return [
        ...header(
          c,
          `requesting 1 ${String(c.fleet.attributes.FleetType ?? "ON_DEMAND")} ${String(c.fleet.attributes.InstanceType ?? "")} instance`,
        ),
        "error: InsufficientInstanceCapacity: no capacity of this instance type is available; try another instance type or fleet type.",
      ];
    default:
      return header(c, String(c.failure));
  }
}

/** The log of a creation stage or creation failure. */
export function stageLog(kind: LogKind, c: LogContext): string {
  const lines =
    kind === "extracting"
      ? extracting(c)
      : kind === "installer"
        ? installer(c, false)
        : kind === "runtime-config"
          ? runtimeConfig(c)
          : failure(c);
  return `${lines.join("\n")}\n`;
}

/** The log of a server process failure: the tail of the process's own output. */
export function processLog(code: string, c: LogContext): string {
  const group = c.fleet.attributes.GameServerContainerGroupDefinitionName as string | undefined;
  const which = c.launchPaths[0]?.path ?? (group ? `in game server container group ${group}` : "");
  return (
    [
      ...header(c, `server process ${which}`.trimEnd()),
      "InitSDK() succeeded",
      code === "SERVER_PROCESS_CRASHED" ? "Segmentation fault (core dumped)" : `process ended: ${code}`,
      `${code}: see the fleet event message for details.`,
    ].join("\n") + "\n"
  );
}
