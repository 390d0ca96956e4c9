/**
 * Structured logs through pino: one JSON object per line on stdout, or pino-pretty's readable lines
 * when stdout is a terminal. The ready line ("liftlog listening on ...") stays a plain line of its own.
 */
import { pino, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function parseLogLevel(text: string): LevelWithSilent {
  if (!(LOG_LEVELS as readonly string[]).includes(text))
    throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got '${text}'`);
  return text as LevelWithSilent;
}

/** What every line carries after its level and time. */
const BASE = { service: "liftlog" };

/** Loggers that write pino's JSON lines to stdoutLines (not pino-pretty's). */
const jsonLoggers = new WeakSet<Logger>();

export function createLogger(level: LevelWithSilent, tty = process.stdout.isTTY === true): Logger {
  const options = {
    level,
    base: BASE,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (tty)
    return pino(
      options,
      pretty({ destination: process.stdout, colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "service,pid,hostname" }),
    );
  const logger = pino(options, stdoutLines);
  jsonLoggers.add(logger);
  return logger;
}

/** A request's log line: its fields, in the order the line lists them. */
export interface RequestLine {
  requestId: string;
  method: string | undefined;
  path: string | undefined;
  protocol: string;
  operation: string;
  status: number | string;
  durationMs: number;
  errorType?: string;
}

const REQUEST_KEYS = ["requestId", "method", "path", "protocol", "operation", "status", "durationMs", "errorType"] as const;
const BASE_TEXT = JSON.stringify(BASE).slice(1, -1);

/**
 * Logs a request: the line `log[level](fields, "request")` writes, written here without pino's
 * general path (the bindings, a loop over any object's keys, strings escaped a character at a time),
 * which cost about 20 µs a request under load. Lines for pino-pretty go through pino.
 */
export function logRequest(log: Logger, level: "info" | "debug", fields: RequestLine): void {
  if (!jsonLoggers.has(log)) {
    log[level](fields, "request");
    return;
  }
  if (!log.isLevelEnabled(level)) return;
  let line = `{"level":"${level}","time":"${new Date().toISOString()}",${BASE_TEXT}`;
  for (const key of REQUEST_KEYS) {
    const value = fields[key];
    if (value === undefined) continue;
    // As pino writes them: a number that is not finite is null, a string is JSON's.
    line += `,"${key}":${typeof value === "number" ? (Number.isFinite(value) ? String(value) : "null") : JSON.stringify(value)}`;
  }
  stdoutLines.write(`${line},"msg":"request"}\n`);
}

/** Past this many characters a tick's lines go out at once rather than at the end of the tick. */
const FLUSH_AT = 64 * 1024;

/**
 * The JSON lines written in one turn of the event loop, written to stdout together at its end: one
 * write per tick instead of one per request (a synchronous write cost about 20 µs a request). Still
 * through process.stdout (synchronous for files, pipes and terminals on Linux and macOS), whose
 * write errors serve already ignores: a reader that went away does not stop the server. Flushed on
 * exit (process.exit, a fatal error); a process killed outright loses at most the last tick's lines.
 */
const stdoutLines = new (class {
  #pending = "";
  #hooked = false;
  readonly #flushSoon = () => this.flush();

  write(line: string): boolean {
    if (!this.#hooked) {
      this.#hooked = true;
      process.on("exit", this.#flushSoon);
    }
    if (this.#pending === "") setImmediate(this.#flushSoon);
    this.#pending += line;
    if (this.#pending.length >= FLUSH_AT) this.flush();
    return true;
  }

  flush(): void {
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    process.stdout.write(text);
  }
})();

/** Writes out the log lines still waiting for the end of the tick, before a plain line that must follow them. */
export const flushLogLines = (): void => stdoutLines.flush();
