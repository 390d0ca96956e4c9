/**
 * `liftlog serve`'s command line through the real binary: an unknown option or a stray argument is
 * a usage error like any command's (one line naming it, a pointer to --help, exit status 2), and
 * --help prints the options and exits 0 without starting a server.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { BIN } from "../helpers/server.js";

const serve = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, "serve", "--port", "0", "--data-dir", ":memory:", ...args], { encoding: "utf8", timeout: 30_000 });

describe("liftlog serve: its command line", () => {
  for (const [args, problem] of [
    [["--bogus"], /unknown option '--bogus'/],
    [["--feed-heartbeat=1", "-x"], /unknown option '-x'/],
    [["extra"], /unexpected argument 'extra'; options start with --/],
    // node's own wording, which may change between versions: only that it names the option.
    [["--port"], /[^\n]*'--port\b[^\n]*/],
  ] as const) {
    it(`${args.join(" ")}: a usage error, exit status 2, no server`, () => {
      const run = serve(...args);
      assert.equal(run.status, 2, run.stdout + run.stderr);
      assert.equal(run.stdout, "");
      const [line, pointer, ...rest] = run.stderr.split("\n");
      assert.match(line!, new RegExp(`^liftlog serve: ${problem.source}$`));
      assert.equal(pointer, "Run 'liftlog serve --help' for the options.");
      assert.deepEqual(rest, [""], "nothing more");
    });
  }

  it("--help prints the options and exits 0", () => {
    const run = serve("--help");
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Usage: liftlog serve \[options\]\n/);
    assert.match(run.stdout, /--feed-stall S/);
    assert.equal(run.stderr, "");
  });
});
