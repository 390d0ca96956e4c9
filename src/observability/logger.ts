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

export function createLogger(level: LevelWithSilent, tty = process.stdout.isTTY === true): Logger {
  const options = {
    level,
    base: { service: "liftlog" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Through process.stdout (synchronous for files, pipes and terminals on Linux and macOS), whose
  // write errors serve already ignores: a reader that went away does not stop the server.
  if (tty)
    return pino(
      options,
      pretty({ destination: process.stdout, colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "service,pid,hostname" }),
    );
  return pino(options, process.stdout);
}
