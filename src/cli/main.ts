/** `liftlog <command>`: dispatches to one file per command; failures print one line (the stack with --debug). */
import { reportError } from "./errors.js";
import { UsageError } from "./args.js";
import { serve } from "./serve.js";

const USAGE = `liftlog — a self-hostable Amazon GameLift fleet event service, and a command line for fleet events

Usage:
  liftlog serve   [--port N] [--host H] [--data-dir DIR|:memory:] [--admin-token T] ...   run the server
  liftlog seed    [--data-dir DIR|--db URL] [--fleets N] [--days N] ...                    fill a data dir with demo fleets
  liftlog events  --fleet-id F [--start-time T] [--max-items N] [--output json|text|table|ndjson] ...
                                                     a fleet's events, as 'aws gamelift describe-fleet-events'
  liftlog fleets  [--output table|json]              fleets with status, type, locations and last event
  liftlog export  --fleet-id F [--format ndjson|csv] [--out FILE]   a fleet's whole log to a file
  liftlog import  FILE                               events from an export into a liftlog server
  liftlog mirror  --source-endpoint URL [--fleet-id F ...]          keep copying fleets' events into liftlog
  liftlog help

Commands that read events take --endpoint-url, --region and --profile as the AWS CLI does; the
default endpoint is the local liftlog server (http://127.0.0.1:4580).
Run 'liftlog <command> --help' for a command's options and examples.`;

type Command = (args: string[]) => Promise<number | void>;

const commands = new Map<string, () => Promise<Command>>([
  ["serve", async () => serve],
  ["seed", async () => (await import("./seed.js")).seed],
  ["events", async () => (await import("./events.js")).events],
  ["fleets", async () => (await import("./fleets.js")).fleets],
  ["export", async () => (await import("./export.js")).exportEvents],
  ["import", async () => (await import("./import.js")).importEvents],
  ["mirror", async () => (await import("./mirror.js")).mirror],
]);

export async function main(argv: string[]): Promise<number | void> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return 0;
  }
  const load = commands.get(name);
  if (!load) {
    console.error(`liftlog: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  // serve and seed handle their own output and failures; a bad command line is reported as for every
  // command, anything else that escapes them is printed by bin/liftlog.js.
  if (name === "serve" || name === "seed") {
    try {
      return await (
        await load()
      )(rest);
    } catch (err) {
      if (err instanceof UsageError) return reportError(name, err, false);
      throw err;
    }
  }
  // The SDK warns on every run under Node 20 about its own future releases; this CLI pins its SDK version.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // A reader that goes away (| head) ends a command's output, not with an error. Not for serve:
  // a server whose log reader went away keeps serving, and SIGTERM still drains it (serve.ts).
  if (name !== "serve") {
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
  }
  try {
    const command = await load();
    return await command(rest);
  } catch (err) {
    return reportError(name, err, rest.includes("--debug") || Boolean(process.env.LIFTLOG_DEBUG));
  }
}
