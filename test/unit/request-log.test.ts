/** The request log line written without pino's general path is the line pino writes for the same fields. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createLogger, flushLogLines, logRequest, type RequestLine } from "../../src/observability/logger.js";

const CASES: RequestLine[] = [
  {
    requestId: "5d0c9f5e-1d7c-4a39-9d49-1b8a6c1f0e11",
    method: "POST",
    path: "/",
    protocol: "awsJson1_1",
    operation: "DescribeFleetEvents",
    status: 200,
    durationMs: 1.234,
  },
  {
    requestId: "r2",
    method: undefined,
    path: undefined,
    protocol: "none",
    operation: "unknown",
    status: "aborted",
    durationMs: 0.001,
    errorType: "NotFoundException",
  },
  {
    requestId: "r3",
    method: "GET",
    path: '/q"u\\o\t\u0001t\u00e9\u00ff\u007f\u2028',
    protocol: "console",
    operation: "GetFile",
    status: 404,
    durationMs: 12345.678,
  },
  { requestId: "r4", method: "GET", path: `/${"x".repeat(80)}`, protocol: "logs", operation: "GetLog", status: 403, durationMs: 0 },
];

/** What the logger writes to stdout while `write` runs (lines go out at the end of a tick, or on flush). */
function written(write: () => void): string {
  const out: string[] = [];
  const stdoutWrite = process.stdout.write;
  process.stdout.write = ((text: string) => out.push(text) > 0) as typeof process.stdout.write;
  try {
    write();
    flushLogLines();
  } finally {
    process.stdout.write = stdoutWrite;
  }
  // The times are the two calls' own.
  return out.join("").replace(/"time":"[^"]*"/g, '"time":"-"');
}

describe("request log line", () => {
  for (const threshold of ["debug", "info", "warn"] as const) {
    it(`is pino's line for the same fields (log level ${threshold})`, () => {
      const log = createLogger(threshold, false);
      for (const fields of CASES) {
        for (const level of ["info", "debug"] as const) {
          const expected = written(() => log[level](fields, "request"));
          assert.equal(
            written(() => logRequest(log, level, fields)),
            expected,
          );
          assert.equal(expected === "", level === "debug" ? threshold !== "debug" : threshold === "warn");
        }
      }
    });
  }
});
