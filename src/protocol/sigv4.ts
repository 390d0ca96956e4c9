/**
 * SigV4 on the way in: who is calling and where, from the Authorization header
 *   AWS4-HMAC-SHA256 Credential=<AKID>/<date>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...
 * or from a presigned query string (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-SignedHeaders, X-Amz-Signature). The region is the credential scope's.
 *
 * Default mode reads the scope and does not verify the signature (as local emulators do); the
 * header must still be well formed. Strict mode (`verifySignature`) recomputes the signature with
 * the caller's secret through @smithy/signature-v4, the signer the AWS SDKs use, and answers as
 * AWS does: UnrecognizedClientException (unknown key), InvalidSignatureException (wrong signature,
 * stale or future date, wrong scope), IncompleteSignatureException (missing parts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { ServiceError } from "./errors.js";

export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

/** A credential with what verification needs: the signed header names, the signature, the date. */
interface SignedCredential extends Credential {
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (yyyymmddThhmmssZ), from the header or the query. */
  amzDate: string | undefined;
  /** Seconds a presigned request stays valid; undefined for a header-signed request. */
  expires?: string;
}

export interface SigningKey {
  secretAccessKey: string;
  accountId: string;
}

/** Access key ID -> its secret and account (a Map: a caller's key never finds a prototype name). */
export type KeyRing = ReadonlyMap<string, SigningKey>;

/** The pieces of an HTTP request the signature covers. */
export interface SignableRequest {
  method: string;
  /** The path as sent (percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const SERVICE = "gamelift";
/** How far a request's date may be from the server's clock, as AWS allows. */
const SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 3600;
const QUERY_AUTH = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"];

// 403, as GameLift's Common Errors list it (IncompleteSignature is a 400).
const missing = () =>
  new ServiceError(
    "MissingAuthenticationTokenException",
    "Request is missing Authentication Token: sign the request with AWS Signature Version 4.",
    403,
  );

const incomplete = (message: string) => new ServiceError("IncompleteSignatureException", message);
const invalidSignature = (message: string) => new ServiceError("InvalidSignatureException", message);
const mismatch = () =>
  invalidSignature(
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  );

/** The caller's credential scope from the Authorization header or a presigned query string. */
export function parseCredential(headers: IncomingHttpHeaders, query: URLSearchParams): SignedCredential {
  const presigned = query.size > 0 && QUERY_AUTH.some((p) => query.has(p));
  if (presigned && headers.authorization) {
    throw incomplete(
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.",
    );
  }
  if (presigned) return parsePresignedQuery(query);
  const credential = parseAuthorization(headers.authorization);
  const date = headers["x-amz-date"];
  return { ...credential, amzDate: typeof date === "string" ? date : undefined };
}

export function parseAuthorization(header: string | undefined): Omit<SignedCredential, "amzDate"> {
  if (!header) throw missing();
  const trimmed = header.trim();
  if (!trimmed.startsWith("AWS4-HMAC-SHA256 ")) {
    throw incomplete(`Unsupported Authorization header: only AWS4-HMAC-SHA256 (SigV4) is accepted. Authorization=${trimmed.slice(0, 40)}`);
  }
  const params = new Map<string, string>();
  for (const part of trimmed.slice("AWS4-HMAC-SHA256 ".length).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const absent = ["Credential", "SignedHeaders", "Signature"].filter((p) => !params.get(p));
  if (absent.length > 0) {
    throw incomplete(absent.map((p) => `Authorization header requires '${p}' parameter.`).join(" "));
  }
  return {
    ...parseScope(params.get("Credential")!),
    signedHeaders: params.get("SignedHeaders")!.split(";"),
    signature: params.get("Signature")!,
  };
}

function parsePresignedQuery(query: URLSearchParams): SignedCredential {
  const absent = QUERY_AUTH.filter((p) => !query.get(p));
  if (absent.length > 0) {
    throw incomplete(
      `AWS query-string parameters must include ${absent.map((p) => `'${p}'`).join(", ")}. Re-examine the query-string parameters.`,
    );
  }
  if (query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256") {
    throw incomplete(`Unsupported X-Amz-Algorithm '${query.get("X-Amz-Algorithm")}': only AWS4-HMAC-SHA256 (SigV4) is accepted.`);
  }
  return {
    ...parseScope(query.get("X-Amz-Credential")!),
    signedHeaders: query.get("X-Amz-SignedHeaders")!.split(";"),
    signature: query.get("X-Amz-Signature")!,
    amzDate: query.get("X-Amz-Date")!,
    expires: query.get("X-Amz-Expires")!,
  };
}

function parseScope(text: string): Credential {
  const scope = text.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || scope.some((s) => s === "")) {
    throw incomplete(
      `Credential should be scoped to a valid region and service: '<access key>/<yyyymmdd>/<region>/<service>/aws4_request', got '${text}'.`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service };
}

/** yyyymmddThhmmssZ -> Date, or undefined when it is not that. */
function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return date.getUTCDate() === d && date.getUTCHours() === h ? date : undefined;
}

const basic = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

/** The request's date, checked against the server's clock as AWS checks it. */
function checkDate(credential: SignedCredential, nowMs: number): Date {
  if (credential.amzDate === undefined) {
    throw incomplete("Authorization header requires existence of an 'X-Amz-Date' header (yyyymmddThhmmssZ).");
  }
  const date = parseAmzDate(credential.amzDate);
  if (!date) throw incomplete(`Date must be in ISO-8601 'basic format' (yyyymmddThhmmssZ). Got '${credential.amzDate}'.`);
  if (credential.date !== credential.amzDate.slice(0, 8)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${credential.date}' != '${credential.amzDate.slice(0, 8)}', from '${credential.amzDate}'.`,
    );
  }
  const t = date.getTime();
  if (t > nowMs + SKEW_MS) {
    throw invalidSignature(
      `Signature not yet current: ${credential.amzDate} is still later than ${basic(nowMs + SKEW_MS)} (${basic(nowMs)} + 15 min.)`,
    );
  }
  if (credential.expires === undefined) {
    if (t < nowMs - SKEW_MS) {
      throw invalidSignature(
        `Signature expired: ${credential.amzDate} is now earlier than ${basic(nowMs - SKEW_MS)} (${basic(nowMs)} - 15 min.)`,
      );
    }
    return date;
  }
  const seconds = Number(credential.expires);
  if (!/^\d+$/.test(credential.expires) || seconds < 1 || seconds > MAX_PRESIGNED_SECONDS) {
    throw incomplete(
      `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGNED_SECONDS} (7 days), got '${credential.expires}'.`,
    );
  }
  if (t + seconds * 1000 < nowMs) {
    throw invalidSignature(
      `Signature expired: ${credential.amzDate} is now earlier than ${basic(nowMs - seconds * 1000)} (${basic(nowMs)} - ${seconds} sec.)`,
    );
  }
  return date;
}

/**
 * Verifies the request's SigV4 signature against the caller's secret; returns the credential and
 * the account of its key. Throws the error AWS answers with.
 */
export async function verifySignature(request: SignableRequest, keys: KeyRing, nowMs: number): Promise<Credential & SigningKey> {
  const credential = parseCredential(request.headers, request.query);
  const key = keys.get(credential.accessKeyId);
  if (!key) throw new ServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");
  if (credential.service !== SERVICE) throw invalidSignature(`Credential should be scoped to correct service: '${SERVICE}'.`);
  const signingDate = checkDate(credential, nowMs);
  const expected = await expectedSignature(request, credential, key, signingDate);
  const given = Buffer.from(credential.signature);
  if (expected.length !== given.length || !timingSafeEqual(Buffer.from(expected), given)) throw mismatch();
  return { ...credential, ...key };
}

async function expectedSignature(
  request: SignableRequest,
  credential: SignedCredential,
  key: SigningKey,
  signingDate: Date,
): Promise<string> {
  const headers = signedHeaders(request, credential);
  const signer = new SignatureV4({
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: credential.region,
    service: credential.service,
    sha256: Hash.bind(null, "sha256"),
    applyChecksum: false,
  });
  let path: string;
  try {
    path = decodeURIComponent(request.path);
  } catch {
    path = request.path; // signs as sent: the signature will not match, which is the answer
  }
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(request.query.keys())) {
    // The presigner adds its own auth parameters; the signature never covers itself.
    if (credential.expires !== undefined && QUERY_AUTH.includes(name)) continue;
    const values = request.query.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  const toSign = { method: request.method, protocol: "http:", hostname: "", path, query, headers, body: request.body };
  const signableHeaders = new Set(Object.keys(headers));
  if (credential.expires !== undefined) {
    const signed = await signer.presign(toSign, {
      signingDate,
      expiresIn: Number(credential.expires),
      signableHeaders,
      unhoistableHeaders: signableHeaders,
    });
    return String(signed.query?.["X-Amz-Signature"] ?? "");
  }
  const signed = await signer.sign(toSign, { signingDate, signableHeaders });
  return /Signature=([0-9a-f]*)/.exec(String(signed.headers.authorization))?.[1] ?? "";
}

/** The headers the caller signed, with their values as received. */
function signedHeaders(request: SignableRequest, credential: SignedCredential): Record<string, string> {
  if (!credential.signedHeaders.includes("host")) throw invalidSignature("Signature must include the host header in SignedHeaders.");
  const contentHash = request.headers["x-amz-content-sha256"];
  // The signer takes this header as the body's hash: a body changed after signing shows here.
  if (contentHash !== undefined && contentHash !== createHash("sha256").update(request.body).digest("hex")) throw mismatch();
  const headers: Record<string, string> = {};
  for (const name of credential.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) continue; // signed but absent: the signature cannot match
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return headers;
}
