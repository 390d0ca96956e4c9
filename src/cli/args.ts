/** Command-line parsing shared by the commands: node's parseArgs, usage errors, number and time options. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A bad command line: printed as one line with a pointer to --help, exit status 2. */
export class UsageError extends Error {}

/** A problem the user can fix that is not the command line (a missing fleet, a bad file): one line, exit status 1. */
export class CliError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;
export type ParsedValues<O extends Options> = Parsed<O>["values"];

/** What a command's line may hold: its options, its --help text, and how many positional arguments (default none). */
export interface CommandSpec<O extends Options> {
  options: O;
  help: string;
  positionals?: number;
}

/**
 * Parses a command's `args` against its `spec`. With --help/-h it prints the help to stdout and
 * returns undefined, for the command to exit 0. Unknown options and stray arguments are UsageErrors.
 */
export function parseCommand<O extends Options>(
  spec: CommandSpec<O>,
  args: string[],
): { values: ParsedValues<O>; positionals: string[] } | undefined {
  const { options, help, positionals = 0 } = spec;
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    const message = parseArgsProblem(err);
    if (message === undefined) throw err;
    throw new UsageError(message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(help.endsWith("\n") ? help : `${help}\n`);
    return undefined;
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'; options start with --`);
  }
  return { values: parsed.values as ParsedValues<O>, positionals: parsed.positionals };
}

/** The message for one of parseArgs' own errors, or undefined when `err` is something else. */
export function parseArgsProblem(err: unknown): string | undefined {
  const { code, message } = err as { code?: string; message?: string };
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${/'[^']*'/.exec(message ?? "")?.[0] ?? ""}`.trim();
  return code?.startsWith("ERR_PARSE_ARGS") ? message : undefined;
}

export function integerOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number;
export function integerOption(name: string, text: string | undefined, fallback: undefined, min: number, max: number): number | undefined;
export function integerOption(name: string, text: string | undefined, fallback: number | undefined, min: number, max: number) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time as a person types it: epoch seconds (1700000000 or 1700000000.123), ISO 8601
 * (2024-05-01, 2024-05-01T12:00:00Z), or an age before `nowMs` (90s, 15m, 2h, 3d, 1w).
 */
export function timeOption(name: string, text: string, nowMs = Date.now()): number {
  const trimmed = text.trim();
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s*ago)?$/.exec(trimmed);
  const ms = relative
    ? nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]!
    : /^\d+(\.\d+)?$/.test(trimmed)
      ? Math.round(Number(trimmed) * 1000)
      : /^\d{4}-\d\d-\d\d/.test(trimmed)
        ? Date.parse(trimmed)
        : NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > Date.UTC(9999, 11, 31, 23, 59, 59)) {
    throw new UsageError(
      `${name} must be epoch seconds (1700000000), ISO 8601 (2024-05-01T12:00:00Z) or an age such as 15m, 2h or 3d; got '${text}'`,
    );
  }
  return ms;
}
