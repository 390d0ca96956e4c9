/**
 * Shared pieces of the client tests: deterministic fleet logs, running the python helpers beside
 * this file (boto3's and botocore's own code), and reading tokens.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, type IngestedEvent } from "../helpers/server.js";

const CODES = ["FLEET_CREATED", "FLEET_STATE_ACTIVE", "SERVER_PROCESS_CRASHED", "FLEET_SCALING_EVENT", "INSTANCE_INTERRUPTED"];

/**
 * `count` events whose times are shuffled against ingest order, with millisecond fractions and
 * runs of equal times, so the newest-first order and its tie-break are both exercised.
 */
export function sampleEvents(count: number, label: string): IngestedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    EventCode: CODES[i % CODES.length]!,
    Message: `${label} event ${i}`,
    // Groups of three share a half-second slot; within a slot parity decides a 1 ms offset, so ties occur.
    EventTime: 1_700_000_000 + Math.floor(((i * 7919) % count) / 3) / 2 + (i % 2) / 1000,
    ...(i % 97 === 0 ? { Log: `log of ${label} event ${i}` } : {}),
  }));
}

/** Environment for python3 and the aws CLI: the test key, no user config files. */
export const AWS_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: "AKIDLIFTLOGTEST",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  AWS_EC2_METADATA_DISABLED: "true",
};

/** Runs test/client/<script> with JSON on stdin; resolves to its JSON stdout (asynchronously, so in-process stubs can answer it). */
export async function runPython<T>(script: string, input: unknown): Promise<T> {
  const child = spawn("python3", [join(REPO_ROOT, "test", "client", script)], { env: AWS_ENV, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(JSON.stringify(input));
  const status = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (status !== 0) throw new Error(`python3 ${script} failed (${status}): ${stderr}`);
  return JSON.parse(stdout) as T;
}

/** The JSON text inside a botocore-format token. */
export const tokenJson = (token: string | undefined) => (token === undefined ? undefined : Buffer.from(token, "base64").toString("utf8"));

/** A botocore-format token built by hand: what botocore writes for a service token and a skip count. */
export function botoToken(serviceToken: string | null, skip?: number): string {
  const text = `{"NextToken": ${serviceToken === null ? "null" : `"${serviceToken}"`}${skip === undefined ? "" : `, "boto_truncate_amount": ${skip}`}}`;
  return Buffer.from(text).toString("base64");
}
