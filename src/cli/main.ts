/** `liftlog <command>`: dispatches to one file per command. */
import { serve } from "./serve.js";

const USAGE = `liftlog — a self-hostable Amazon GameLift fleet event service

Usage:
  liftlog serve [--port N] [--host H] [--data-dir DIR|:memory:] [--admin-token T] [--accounts AKID=ACCOUNT,...]
  liftlog seed  [--data-dir DIR|--db URL] [--fleets N] [--days N] [--region R] [--account A] [--random-seed N] [--end-time T]
  liftlog help

Run 'liftlog <command> --help' for a command's options.`;

type Command = (args: string[]) => Promise<number | void>;

const commands = new Map<string, () => Promise<Command>>([
  ["serve", async () => serve],
  ["seed", async () => (await import("./seed.js")).seed],
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
  return (await load())(rest);
}
