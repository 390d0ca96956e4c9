/**
 * The keys strict mode accepts, from a file in the AWS shared-credentials format (read with the AWS
 * SDK's own parser), one section per key:
 *   [ci]
 *   aws_access_key_id = AKIA...
 *   aws_secret_access_key = ...
 *   aws_account_id = 123456789012
 * A malformed file stops the server at start with a message naming the section and what is wrong.
 */
import { readFileSync } from "node:fs";
import { loadSharedConfigFiles } from "@smithy/core/config";
import type { KeyRing, SigningKey } from "./sigv4.js";

export async function loadCredentialsFile(path: string): Promise<KeyRing> {
  try {
    readFileSync(path); // the parser reads a missing file as empty; say it is missing instead
  } catch (err) {
    throw new Error(`--credentials-file ${path}: ${(err as Error).message}`);
  }
  const { credentialsFile } = await loadSharedConfigFiles({ filepath: path, configFilepath: path, ignoreCache: true });
  const keys = new Map<string, SigningKey>();
  for (const [section, values] of Object.entries(credentialsFile)) {
    const problem = (what: string) => new Error(`--credentials-file ${path}: section [${section}] ${what}`);
    const { aws_access_key_id: id, aws_secret_access_key: secret, aws_account_id: accountId } = values;
    if (!id || !secret) throw problem("needs aws_access_key_id and aws_secret_access_key");
    if (!accountId || !/^\d{12}$/.test(accountId)) throw problem(`needs aws_account_id, the 12-digit account its key belongs to`);
    if (keys.has(id)) throw problem(`repeats access key ${id}`);
    keys.set(id, { secretAccessKey: secret, accountId });
  }
  if (keys.size === 0) throw new Error(`--credentials-file ${path}: no keys in it; strict mode would let nobody in`);
  return keys;
}
