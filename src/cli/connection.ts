/**
 * Where a command sends its GameLift calls and with which credentials, decided the AWS way: the
 * SDK's own region, credential and configured-endpoint providers (flags, AWS_* environment,
 * shared config and credentials files). The default endpoint is the local liftlog server; the real
 * GameLift is used when an endpoint setting says so, with `--endpoint-url aws`, or when `--profile`
 * names an AWS profile and nothing names an endpoint.
 */
import { GameLiftClient } from "@aws-sdk/client-gamelift";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { CONFIG_PREFIX_SEPARATOR, loadConfig, NODE_REGION_CONFIG_OPTIONS, type LoadedConfigSelectors } from "@smithy/core/config";
import { DEFAULT_PORT, DEFAULT_REGION } from "../config.js";
import { UsageError } from "./args.js";
import { setTarget } from "./errors.js";

export const LOCAL_ENDPOINT = `http://127.0.0.1:${DEFAULT_PORT}`;

/** The options every command that calls GameLift takes. */
export const CONNECTION_OPTIONS = {
  "endpoint-url": { type: "string" },
  region: { type: "string" },
  profile: { type: "string" },
  debug: { type: "boolean" },
} as const;

export const CONNECTION_HELP = `  --endpoint-url URL  the GameLift endpoint (default: the local liftlog at ${LOCAL_ENDPOINT}, or
                      AWS_ENDPOINT_URL_GAMELIFT / AWS_ENDPOINT_URL / endpoint_url in the profile);
                      'aws' means the real Amazon GameLift
  --region R          the region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region;
                      ${DEFAULT_REGION} against liftlog)
  --profile P         a profile of ~/.aws/config and ~/.aws/credentials; with no endpoint setting it
                      means the real Amazon GameLift
  --debug             print the stack of an error`;

export interface ConnectionValues {
  "endpoint-url"?: string;
  region?: string;
  profile?: string;
}

export interface Connection {
  client: GameLiftClient;
  /** The endpoint URL, or undefined for the real GameLift (the SDK's endpoint for the region). */
  endpoint: string | undefined;
  region: string;
  /** Where requests go, for messages: the URL, or "Amazon GameLift (<region>)". */
  describe: string;
}

/** GameLift's configured endpoint, as the SDK reads it: AWS_ENDPOINT_URL_GAMELIFT, AWS_ENDPOINT_URL, the profile's settings. */
const ENDPOINT_SETTING: LoadedConfigSelectors<string | undefined> = {
  environmentVariableSelector: (env) => env.AWS_ENDPOINT_URL_GAMELIFT || env.AWS_ENDPOINT_URL || undefined,
  configFileSelector: (profile, config) => {
    const services = profile.services ? config?.[["services", profile.services].join(CONFIG_PREFIX_SEPARATOR)] : undefined;
    return services?.[["gamelift", "endpoint_url"].join(CONFIG_PREFIX_SEPARATOR)] || profile.endpoint_url || undefined;
  },
  default: undefined,
};

/** The aws CLI reads AWS_DEFAULT_REGION as well; the SDK only AWS_REGION. */
const REGION_SETTING: LoadedConfigSelectors<string | undefined> = {
  ...NODE_REGION_CONFIG_OPTIONS,
  environmentVariableSelector: (env) => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
  default: undefined,
};

/** Credentials that any liftlog server in its default mode accepts, for when none are configured. */
const LOCAL_CREDENTIALS = { accessKeyId: "liftlog", secretAccessKey: "liftlog" };

export async function resolveEndpoint(values: ConnectionValues): Promise<string | undefined> {
  const given = values["endpoint-url"];
  if (given === "aws") {
    // The SDK would otherwise still take AWS_ENDPOINT_URL* or the profile's endpoint_url.
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = "true";
    return undefined;
  }
  if (given !== undefined) return checkUrl("--endpoint-url", given);
  const configured = await loadConfig(ENDPOINT_SETTING, { profile: values.profile })();
  if (configured) return checkUrl("the configured endpoint URL", configured);
  return values.profile !== undefined ? undefined : LOCAL_ENDPOINT;
}

function checkUrl(what: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} must be a URL such as ${LOCAL_ENDPOINT} (or 'aws' for Amazon GameLift), got '${text}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${what} must be an http:// or https:// URL, got '${text}'`);
  return text.replace(/\/+$/, "");
}

export async function connect(values: ConnectionValues): Promise<Connection> {
  const endpoint = await resolveEndpoint(values);
  const region =
    values.region ?? (await loadConfig(REGION_SETTING, { profile: values.profile })()) ?? (endpoint ? DEFAULT_REGION : undefined);
  if (!region) {
    throw new UsageError("no region for Amazon GameLift: pass --region (such as us-west-2), set AWS_REGION, or set region in the profile");
  }
  const chain = defaultProvider(values.profile === undefined ? {} : { profile: values.profile });
  // Against liftlog any credentials do: a machine with none configured still reads its local server.
  const credentials = endpoint ? async () => chain().catch(() => LOCAL_CREDENTIALS) : chain;
  const client = new GameLiftClient({ region, credentials, ...(endpoint ? { endpoint } : {}) });
  const describe = endpoint ?? `Amazon GameLift (${region})`;
  setTarget(describe);
  return { client, endpoint, region, describe };
}
