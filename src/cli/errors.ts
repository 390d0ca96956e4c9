/** One line per failure, naming the problem and the fix; the stack only with --debug. */
import { PaginationError } from "../client/tokens.js";
import { CliError, UsageError } from "./args.js";

/** Where the command's requests go ("http://127.0.0.1:4580", "Amazon GameLift (us-west-2)"), for messages. */
let target = "the endpoint";

export function setTarget(description: string): void {
  target = description;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

/** The network error code behind `err` (node puts it on the error, or on the errors of an AggregateError). */
export function networkCode(err: unknown): string | undefined {
  const e = err as { code?: string; errors?: { code?: string }[]; cause?: unknown };
  if (e?.code && NETWORK_CODES.has(e.code)) return e.code;
  const inner = e?.errors?.find((x) => x.code && NETWORK_CODES.has(x.code))?.code;
  return inner ?? (e?.cause ? networkCode(e.cause) : undefined);
}

const SERVICE_HINTS: Record<string, string> = {
  NotFoundException: "Check the fleet ID ('liftlog fleets' lists the fleets there), --region and --endpoint-url.",
  UnauthorizedException: "Check the credentials (--profile, AWS_ACCESS_KEY_ID) or --admin-token.",
  UnrecognizedClientException: "Check the credentials (--profile, AWS_ACCESS_KEY_ID).",
  InvalidSignatureException: "Check the secret access key of the credentials (--profile, AWS_SECRET_ACCESS_KEY).",
  ExpiredTokenException: "The session credentials expired: refresh them (aws sso login, or new keys).",
  UnsupportedRegionException: "Pass a GameLift region with --region, such as us-west-2.",
};

export function errorLine(err: unknown): string {
  if (err instanceof UsageError || err instanceof CliError) return err.message;
  const e = err as { name?: string; message?: string; $fault?: string };
  const code = networkCode(err);
  if (code) {
    const fix = target.startsWith("http://127.0.0.1") ? " Is 'liftlog serve' running? Start it, or" : "";
    return `cannot reach ${target} (${code}).${fix} pass --endpoint-url to use another server.`;
  }
  if (err instanceof PaginationError) return `${err.message}. Pass the NextToken a previous run printed, unchanged, to --starting-token.`;
  if (e?.name === "CredentialsProviderError") {
    return `no AWS credentials for ${target}: ${e.message}. Run 'aws configure', set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile.`;
  }
  if (e?.$fault && e.name) {
    const hint = Object.hasOwn(SERVICE_HINTS, e.name) ? ` ${SERVICE_HINTS[e.name]}` : "";
    return `${e.name} from ${target}: ${e.message}${hint}`;
  }
  return e?.message ?? String(err);
}

/** Prints the failure of `command` and returns its exit status: 2 for a bad command line, 1 otherwise. */
export function reportError(command: string, err: unknown, debug: boolean): number {
  console.error(`liftlog ${command}: ${errorLine(err)}`);
  if (err instanceof UsageError) {
    console.error(`Run 'liftlog ${command} --help' for the options.`);
    return 2;
  }
  if (debug && err instanceof Error && err.stack) console.error(err.stack);
  return 1;
}
