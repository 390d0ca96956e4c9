/** Runs the real `liftlog` binary (and the real `aws` command) as child processes, as a person's shell would. */
import { spawn } from "node:child_process";
import { BIN } from "../helpers/server.js";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Credentials and region from the environment only: whatever the machine's ~/.aws holds stays out of it. */
export const CLEAN_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: "AKIDLIFTLOGTEST",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_DEFAULT_REGION: "us-west-2",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  NO_COLOR: "",
};

function environment(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...CLEAN_ENV, ...extra };
  for (const name of ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GAMELIFT", "AWS_PROFILE", "AWS_REGION", "LIFTLOG_DEBUG"]) {
    if (!(name in extra)) delete env[name];
  }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export function run(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: environment(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export const liftlog = (args: string[], env: Record<string, string | undefined> = {}) => run(process.execPath, [BIN, ...args], env);

/** Runs liftlog and fails with its stderr unless it exits 0. */
export async function liftlogOk(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const result = await liftlog(args, env);
  if (result.code !== 0) throw new Error(`liftlog ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** CSI/OSC escape sequences (colour, cursor movement) anywhere in the text. */
export const hasEscapes = (text: string) => text.includes("\x1b");

/** One event line of `liftlog events --output ndjson`. */
export interface EventLine {
  EventId: string;
  PreSignedLogUrl?: string;
  [key: string]: unknown;
}

/** A fleet's whole log through `liftlog events --output ndjson`, newest first. */
export async function readLog(endpoint: string, fleet: string, region: string): Promise<EventLine[]> {
  const out = await liftlogOk([
    "events",
    "--fleet-id",
    fleet,
    "--endpoint-url",
    endpoint,
    "--region",
    region,
    "--output",
    "ndjson",
    "--page-size",
    "1000",
  ]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EventLine);
}

/** A log without its signed log URLs (they name their server and expiry), but with whether each event has one. */
export const comparable = (lines: EventLine[]) =>
  lines.map(({ PreSignedLogUrl, ...rest }) => ({ ...rest, hasLog: PreSignedLogUrl !== undefined }));
