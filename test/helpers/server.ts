/**
 * Starts the real liftlog server as a child process (`bin/liftlog.js serve`) on a free port with a
 * fresh data directory, and talks to its admin API. Interop tests use this; nothing is mocked.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GameLiftClient } from "@aws-sdk/client-gamelift";
import { SmithyRpcV2CborProtocol } from "@smithy/core/cbor";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BIN = join(REPO_ROOT, "bin", "liftlog.js");

export interface RunningServer {
  endpoint: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  /** Sends `signal` (default SIGTERM) and waits for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops the server and removes its data directory. */
  dispose(): Promise<void>;
}

export async function startServer(
  options: { args?: string[]; dataDir?: string; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "liftlog-test-"));
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", dataDir, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${output}`)), 20_000);
    const onData = () => {
      const match = /listening on (https?:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    endpoint,
    dataDir,
    process: child,
    output: () => output,
    stop,
    dispose: async () => {
      await stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST to an admin endpoint; returns status and parsed JSON body. */
export async function admin(endpoint: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(endpoint + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { EventIds?: string[] } };
}

export async function registerFleet(endpoint: string, region = "us-west-2", accountId?: string) {
  const { status, body } = await admin(endpoint, "/_liftlog/fleets", {
    Name: `test-${Date.now()}`,
    Region: region,
    ...(accountId ? { AccountId: accountId } : {}),
  });
  if (status !== 200) throw new Error(`register fleet: ${status} ${JSON.stringify(body)}`);
  return body as { FleetId: string; FleetArn: string };
}

export interface IngestedEvent {
  EventCode: string;
  Message: string;
  EventTime?: number;
  ResourceId?: string;
  Log?: string;
  Count?: number;
}

/**
 * Ingests events in batches; returns the assigned EventIds in input order. A bare fleet ID is
 * looked up in `region` (registerFleet's default), an ARN in its own region.
 */
export async function ingest(
  endpoint: string,
  fleetId: string,
  events: IngestedEvent[],
  batch = 5000,
  region = "us-west-2",
): Promise<string[]> {
  const ids: string[] = [];
  const where = fleetId.startsWith("arn:") ? {} : { Region: region };
  for (let i = 0; i < events.length; i += batch) {
    const { status, body } = await admin(endpoint, "/_liftlog/events", { FleetId: fleetId, ...where, Events: events.slice(i, i + batch) });
    if (status !== 200) throw new Error(`ingest: ${status} ${JSON.stringify(body)}`);
    ids.push(...body.EventIds!);
  }
  return ids;
}

/** A real AWS SDK v3 client pointed at the server (AWS JSON 1.1, the SDK's default). */
export function gamelift(endpoint: string, region = "us-west-2", accessKeyId = "AKIDLIFTLOGTEST") {
  return new GameLiftClient({ region, endpoint, credentials: { accessKeyId, secretAccessKey: "secret" }, maxAttempts: 1 });
}

/** The same SDK client speaking Smithy RPC v2 CBOR, as SDKs generated from the newest model do. */
export function cborGamelift(endpoint: string, region = "us-west-2", accessKeyId = "AKIDLIFTLOGTEST") {
  return new GameLiftClient({
    region,
    endpoint,
    credentials: { accessKeyId, secretAccessKey: "secret" },
    maxAttempts: 1,
    protocol: SmithyRpcV2CborProtocol,
  });
}

/**
 * The order DescribeFleetEvents must return ingested events in: EventTime descending, then
 * ingest order descending.
 */
export function expectedOrder(ids: string[], events: IngestedEvent[]): string[] {
  return ids
    .map((id, i) => ({ id, i, t: Math.round((events[i]!.EventTime ?? 0) * 1000) }))
    .sort((a, b) => b.t - a.t || b.i - a.i)
    .map((e) => e.id);
}

/** Which of python3 with boto3 and the aws command this machine has; tests skip with this reason otherwise. */
export function pythonToolsMissing(): string | undefined {
  const py = spawnSync("python3", ["-c", "import boto3"], { encoding: "utf8" });
  if (py.status !== 0) return "python3 with boto3 is not installed on this machine";
  const aws = spawnSync("aws", ["--version"], { encoding: "utf8" });
  if (aws.status !== 0) return "the aws command (AWS CLI) is not installed on this machine";
  return undefined;
}

/** Polls `probe` every 100 ms until it returns a value; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
