/**
 * Reads who is calling and where from a SigV4 Authorization header:
 *   AWS4-HMAC-SHA256 Credential=<AKID>/<date>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...
 * The region is the credential scope's; the account comes from the access key. Signatures are not
 * verified in the default mode (as local emulators do); the header must still be well formed.
 */
import { ServiceError } from "./errors.js";

export interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

// 403, as GameLift's Common Errors list it (IncompleteSignature is a 400).
const missing = () =>
  new ServiceError(
    "MissingAuthenticationTokenException",
    "Request is missing Authentication Token: sign the request with AWS Signature Version 4.",
    403,
  );

const incomplete = (message: string) => new ServiceError("IncompleteSignatureException", message);

export function parseAuthorization(header: string | undefined): Credential {
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
  const scope = params.get("Credential")!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || scope.some((s) => s === "")) {
    throw incomplete(
      `Credential should be scoped to a valid region and service: '<access key>/<yyyymmdd>/<region>/<service>/aws4_request', got '${params.get("Credential")}'.`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service };
}
