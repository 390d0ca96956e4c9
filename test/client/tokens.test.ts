/**
 * Resume tokens against botocore's own TokenEncoder and StartingToken parser (run in python3):
 * byte-identical encoding, the same reading of new, deprecated and malformed tokens.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeToken, encodeToken, PaginationError, type StartingPosition, type TokenDict } from "../../src/client/tokens.js";
import { pythonToolsMissing } from "../helpers/server.js";
import { runPython } from "./support.js";

const missing = pythonToolsMissing();
const SERVICE_TOKEN = "WzE3MDAwMDA4MzMwMDAsMjUwMV0.dHNwrTWPWsdzoByQ4BIiSw";

const ENCODE_CASES: { token: TokenDict; skip: number | null }[] = [
  { token: { NextToken: SERVICE_TOKEN }, skip: null },
  { token: { NextToken: null }, skip: 0 },
  { token: { NextToken: "abc" }, skip: 12345 },
  { token: { NextToken: 'quote " backslash \\ slash / tab \t nl \n cr \r bs \b ff \f nul \u0000 us \u001f del \u007f' }, skip: 3 },
  { token: { NextToken: "é ü 中文 😀 \u2028 \ufeff \u0080" }, skip: null },
  { token: { NextToken: "lone \ud800 surrogate \udfff" }, skip: 1 },
  { token: { NextToken: "" }, skip: null },
  { token: { A: "x", B: null }, skip: 2 },
];

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** Tokens whose reading both implementations must agree on exactly (input token: NextToken). */
function decodeCases(): string[] {
  const valid = b64(`{"NextToken": "${SERVICE_TOKEN}", "boto_truncate_amount": 7}`);
  return [
    valid,
    b64(`{"NextToken": "${SERVICE_TOKEN}"}`),
    b64(`{"boto_truncate_amount": 3, "NextToken": "x"}`),
    b64(`{"NextToken": null, "boto_truncate_amount": 0}`),
    b64(`{"NextToken":"compact","boto_truncate_amount":1}`),
    b64('{"NextToken": "caf\\u00e9 \\ud83d\\ude00"}'),
    // Python's lenient base64: characters outside the alphabet are skipped, data after a full pad ignored.
    valid.slice(0, 10) + "\n \t-_." + valid.slice(10),
    b64(`{"NextToken": "a"}`) + "==trailing",
    valid.replace(/=+$/, ""),
    valid + "=",
    // Not base64 JSON: the deprecated form, or the service's own token passed as it is.
    SERVICE_TOKEN,
    "plain-service-token",
    "abc___5",
    "abc___ 7 ",
    "abc___1_0",
    "abc___+4",
    "abc___x",
    "None___3",
    "None",
    "___4",
    "a___b",
    "a___b___3",
    b64("hello, not json"),
    b64("42"),
    b64("null"),
    b64("true"),
    b64("\xff\xfe not utf-8"),
    "",
  ];
}

/** Mutations of valid tokens: inserted junk, padding and dropped characters. */
function fuzzCases(count: number): string[] {
  let seed = 42;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const junk = ["=", "==", " ", "\n", "-", "_", ".", "A", "/", "+", "é"];
  return Array.from({ length: count }, (_, i) => {
    let token = encodeToken({ NextToken: `${SERVICE_TOKEN}-${i}` }, i % 3 === 0 ? undefined : i);
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(token.length + 1);
      token =
        random(3) === 0 ? token.slice(0, at) + token.slice(at + 1) : token.slice(0, at) + junk[random(junk.length)]! + token.slice(at);
    }
    return token;
  });
}

type BotocoreReading = { token: TokenDict; skip: number } | { error: string } | { crash: string };

function ours(token: string, inputTokens: string[]): StartingPosition | { error: string } {
  try {
    return decodeToken(token, inputTokens);
  } catch (error) {
    assert.ok(error instanceof PaginationError, `decodeToken threw ${String(error)}`);
    return { error: error.message };
  }
}

/** Compares a reading with botocore's: equal positions (key order included), or both refused. */
function assertSameReading(token: string, mine: StartingPosition | { error: string }, theirs: BotocoreReading, inputTokens: string[]) {
  if ("crash" in theirs) {
    // botocore fails with an AttributeError on base64 JSON scalars; we read them as a service token.
    assert.deepEqual(
      mine,
      { token: Object.fromEntries(inputTokens.map((name, i) => [name, i === 0 ? token : null])), skip: 0 },
      theirs.crash,
    );
    return;
  }
  if ("error" in theirs) {
    assert.ok("error" in mine, `botocore refuses ${JSON.stringify(token)} (${theirs.error}); we read ${JSON.stringify(mine)}`);
    return;
  }
  const keys = Object.keys(theirs.token).sort();
  if (keys.join() !== [...inputTokens].sort().join()) {
    // botocore accepts any dict here and fails later on the request; we refuse it up front.
    assert.ok("error" in mine, `${JSON.stringify(token)} holds ${keys.join()}; expected a PaginationError`);
    return;
  }
  assert.deepEqual(mine, theirs, `reading of ${JSON.stringify(token)}`);
  assert.equal(JSON.stringify((mine as StartingPosition).token), JSON.stringify(theirs.token), "key order");
}

describe("client tokens", () => {
  it("encode byte-identically to botocore's TokenEncoder", async (t) => {
    if (missing) return t.skip(missing);
    const { encoded } = await runPython<{ encoded: string[] }>("botocore_tokens.py", {
      encode: ENCODE_CASES,
      decode: [],
      inputTokens: ["NextToken"],
    });
    ENCODE_CASES.forEach((c, i) => assert.equal(encodeToken(c.token, c.skip ?? undefined), encoded[i], `case ${i}: ${JSON.stringify(c)}`));
  });

  it("read StartingTokens as botocore's parser does: new form, deprecated form, lenient base64", async (t) => {
    if (missing) return t.skip(missing);
    const cases = [...decodeCases(), ...fuzzCases(400)];
    const { decoded } = await runPython<{ decoded: BotocoreReading[] }>("botocore_tokens.py", {
      encode: [],
      decode: cases,
      inputTokens: ["NextToken"],
    });
    cases.forEach((token, i) => assertSameReading(token, ours(token, ["NextToken"]), decoded[i]!, ["NextToken"]));
  });

  it("read deprecated tokens of several input tokens as botocore does", async (t) => {
    if (missing) return t.skip(missing);
    const inputTokens = ["Marker", "SubMarker"];
    const cases = [
      "m1___m2",
      "m1___m2___9",
      "m1",
      "None___m2___2",
      "m1___m2___x",
      "a___b___c___1",
      b64('{"Marker": "m", "SubMarker": null}'),
    ];
    const { decoded } = await runPython<{ decoded: BotocoreReading[] }>("botocore_tokens.py", { encode: [], decode: cases, inputTokens });
    cases.forEach((token, i) => assertSameReading(token, ours(token, inputTokens), decoded[i]!, inputTokens));
  });

  it("refuse tokens that botocore would send on as wrong request members, with the token in the message", () => {
    const refused = [
      b64('{"Other": "x"}'),
      b64('{"NextToken": "x", "Extra": 1}'),
      b64('{"NextToken": 5}'),
      b64('{"NextToken": "x", "boto_truncate_amount": -1}'),
      b64('{"NextToken": "x", "boto_truncate_amount": 1.5}'),
      b64('{"NextToken": "x", "boto_encoded_keys": [["NextToken"]]}'),
      "a___b___3",
    ];
    for (const token of refused) {
      assert.throws(
        () => decodeToken(token, ["NextToken"]),
        (error: unknown) => error instanceof PaginationError && error.message.startsWith(`Bad starting token: ${token} (`),
        token,
      );
    }
  });

  it("round-trip every position they encode", () => {
    for (const c of ENCODE_CASES) {
      assert.deepEqual(decodeToken(encodeToken(c.token, c.skip ?? undefined), Object.keys(c.token)), { token: c.token, skip: c.skip ?? 0 });
    }
  });
});
