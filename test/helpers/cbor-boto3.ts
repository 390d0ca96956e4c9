/**
 * A boto3 that speaks Smithy RPC v2 CBOR: boto3 1.43.107 (the first releases that can are newer than
 * the machine's) in a virtualenv cached under the OS temp directory, and a botocore data directory
 * whose GameLift model offers only rpc-v2-cbor, written by the shared make_cbor_model.py tool that
 * sits beside the repository. Tests skip, saying why, when either cannot be had.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./server.js";

const BOTO3 = "1.43.107";
const VENV = join(tmpdir(), `liftlog-boto3-${BOTO3}`);
const MAKE_MODEL = join(REPO_ROOT, "..", "shared", "tools", "make_cbor_model.py");

export interface CborBoto3 {
  python: string;
  /** AWS_DATA_PATH for the CBOR-only GameLift model. */
  dataPath: string;
}

/** The venv's python (made on first use) and the model directory, or why they cannot be had. */
export function cborBoto3(): CborBoto3 | string {
  if (!existsSync(MAKE_MODEL)) return `${MAKE_MODEL} is not beside the repository`;
  const python = join(VENV, "bin", "python");
  if (!existsSync(python)) {
    // Built aside and renamed into place, so a half-made venv is never taken for a ready one.
    const building = mkdtempSync(join(tmpdir(), "liftlog-boto3-building-"));
    const venv = spawnSync("python3", ["-m", "venv", building], { encoding: "utf8" });
    if (venv.status !== 0) return `python3 -m venv failed: ${venv.stderr}`;
    const pip = spawnSync(join(building, "bin", "pip"), ["install", "--quiet", "--retries", "0", `boto3==${BOTO3}`], {
      encoding: "utf8",
      timeout: 300_000,
    });
    if (pip.status !== 0) {
      rmSync(building, { recursive: true, force: true });
      return `pip could not install boto3==${BOTO3} (it speaks rpc-v2-cbor; the machine's boto3 does not): ${pip.stderr.slice(-500)}`;
    }
    if (!existsSync(python)) renameSync(building, VENV);
    else rmSync(building, { recursive: true, force: true });
  }
  const dataPath = mkdtempSync(join(tmpdir(), "liftlog-cbor-model-"));
  const made = spawnSync(python, [MAKE_MODEL, dataPath], { encoding: "utf8" });
  if (made.status !== 0) return `make_cbor_model.py failed: ${made.stderr}`;
  return { python, dataPath };
}
