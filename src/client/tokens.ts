/**
 * Resume tokens in botocore's format, so a token saved here resumes in boto3 or the AWS CLI and
 * the other way round: base64 of the JSON that Python's `json.dumps` writes for a dict of the
 * operation's input tokens, plus `boto_truncate_amount` when the walk stopped inside a page.
 * Tokens in the older `token___index` form are read too. GameLift's tokens are strings, so the
 * binary-token extension (`boto_encoded_keys`) is not supported.
 */

/** The service's input tokens by name (null: absent), as botocore keeps them. */
export type TokenDict = Record<string, string | null>;

/** Where a starting token points: the service tokens for the page, and how many of its items to skip. */
export interface StartingPosition {
  token: TokenDict;
  skip: number;
}

const TRUNCATE_KEY = "boto_truncate_amount";

/** A misuse of the paginator or a token it cannot use; botocore raises PaginationError or ValueError for these. */
export class PaginationError extends Error {
  override name = "PaginationError";
}

/** The token for `token` (plus a skip count inside the page, when given), byte-identical to botocore's. */
export function encodeToken(token: TokenDict, skip?: number): string {
  const members = Object.entries(token).map(([key, value]) => `${pyString(key)}: ${value === null ? "null" : pyString(value)}`);
  if (skip !== undefined) members.push(`${pyString(TRUNCATE_KEY)}: ${skip}`);
  return Buffer.from(`{${members.join(", ")}}`, "utf8").toString("base64");
}

/**
 * Reads a StartingToken as botocore does: the base64 JSON form, else the deprecated
 * `tokens___index` form. `inputTokens` are the operation's input token names.
 */
export function decodeToken(startingToken: string, inputTokens: readonly string[]): StartingPosition {
  const json = jsonDictFrom(startingToken);
  return json ? fromDict(json, startingToken, inputTokens) : fromDeprecated(startingToken, inputTokens);
}

function fromDict(dict: Record<string, unknown>, startingToken: string, inputTokens: readonly string[]): StartingPosition {
  const token: TokenDict = {};
  let skip = 0;
  for (const [key, value] of Object.entries(dict)) {
    if (key === TRUNCATE_KEY && Number.isSafeInteger(value) && (value as number) >= 0) skip = value as number;
    else if (inputTokens.includes(key) && (value === null || typeof value === "string")) token[key] = value;
    else throw badToken(startingToken, `it holds ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  }
  if (Object.keys(token).length !== inputTokens.length) {
    throw badToken(startingToken, `it must hold ${inputTokens.join(", ")}`);
  }
  return { token, skip };
}

/** The old form: input tokens joined by "___", optionally followed by "___<items to skip>"; "None" stands for no token. */
function fromDeprecated(startingToken: string, inputTokens: readonly string[]): StartingPosition {
  let parts = startingToken.split("___");
  let skip = 0;
  if (parts.length === inputTokens.length + 1) {
    const last = parts.pop()!;
    // Python's int() accepts surrounding whitespace, a sign and digit-group underscores.
    if (/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(last)) skip = Number(last.replaceAll("_", ""));
    else parts = [startingToken];
  }
  if (parts.length > inputTokens.length || skip < 0) throw badToken(startingToken, "it is neither a paginator token nor a service token");
  const token: TokenDict = {};
  inputTokens.forEach((name, i) => (token[name] = parts[i] === undefined || parts[i] === "None" ? null : parts[i]!));
  return { token, skip };
}

/** The JSON object inside a base64 token, or undefined when the string is not one (botocore then tries the old form). */
function jsonDictFrom(startingToken: string): Record<string, unknown> | undefined {
  const bytes = pythonB64decode(startingToken);
  if (!bytes) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  if (Object.hasOwn(parsed, "boto_encoded_keys")) {
    throw new PaginationError(`Bad starting token: ${startingToken} (binary tokens are not used by GameLift operations)`);
  }
  return parsed as Record<string, unknown>;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Python's lenient `base64.b64decode`: characters outside the alphabet are skipped, a padding
 * sequence that completes a quantum ends the input, and a partial quantum is an error (undefined).
 */
function pythonB64decode(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let quadPos = 0;
  let pads = 0;
  let acc = 0;
  let bits = 0;
  for (const ch of text) {
    if (ch === "=") {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return Uint8Array.from(out);
      continue;
    }
    const value = B64.indexOf(ch);
    if (value < 0 || ch.length !== 1) continue;
    pads = 0;
    acc = ((acc << 6) | value) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
    quadPos = (quadPos + 1) % 4;
  }
  return quadPos === 0 ? Uint8Array.from(out) : undefined;
}

/** A string literal exactly as Python's json.dumps (ensure_ascii) writes it. */
function pyString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const ch = value[i]!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += PY_SHORT_ESCAPES[ch] ?? `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

const PY_SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function badToken(startingToken: string, why: string): PaginationError {
  return new PaginationError(`Bad starting token: ${startingToken} (${why})`);
}
