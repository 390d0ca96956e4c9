/**
 * NDJSON request bodies read as they arrive: each chunk's complete lines are decoded and parsed
 * at once, and only an unfinished line is held back, so a line never takes more than
 * MAX_LINE_BYTES of memory and parsing overlaps the upload. Line numbers count every line, blank
 * ones too (blank lines are skipped), as an editor shows them.
 */
import { isAscii, isUtf8 } from "node:buffer";
import { invalidRequest, serializationError, type ServiceError } from "../protocol/errors.js";

/** The longest line (one event) an NDJSON body may hold. */
export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const NOTHING_STORED = " Nothing in this batch was stored.";

/** Hands each line's JSON value to `take`; the first line that cannot be read is the body's error. */
export class NdjsonLines {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private line = 0;
  private failure: ServiceError | undefined;

  /** `take` may return a promise (the value needs a lookup): the next line waits for it. */
  constructor(private readonly take: (value: unknown) => Promise<void> | undefined) {}

  async push(chunk: Buffer): Promise<void> {
    if (this.failure) return;
    let start = 0;
    if (this.heldBytes > 0) {
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) return this.hold(chunk);
      this.held.push(chunk.subarray(0, end));
      const line = Buffer.concat(this.held, this.heldBytes + end);
      this.held = [];
      this.heldBytes = 0;
      await this.lines(line);
      if (this.failure) return;
      start = end + 1;
    }
    const last = chunk.lastIndexOf(NEWLINE);
    if (last >= start) {
      await this.lines(chunk.subarray(start, last));
      if (this.failure) return;
      start = last + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** The body has ended: reads its last line (one without a newline) and throws the body's error, if any. */
  async end(): Promise<void> {
    if (!this.failure && this.heldBytes > 0) await this.lines(Buffer.concat(this.held, this.heldBytes));
    if (this.failure) throw this.failure;
  }

  private hold(part: Buffer): void {
    this.held.push(part);
    this.heldBytes += part.length;
    if (this.heldBytes > MAX_LINE_BYTES) this.fail(tooLong(this.line + 1));
  }

  /** The first failure is the body's; the rest of the body is read but not looked at. */
  private fail(error: ServiceError): void {
    this.failure ??= error;
    this.held = [];
    this.heldBytes = 0;
  }

  /** Complete lines (newline-separated, none at the end). */
  private async lines(bytes: Buffer): Promise<void> {
    const refused = this.refusal(bytes);
    if (refused) {
      // The lines before it come first: one of them may be the first bad line.
      if (refused.at > 0) await this.lines(bytes.subarray(0, refused.at - 1));
      return this.fail(refused.error);
    }
    // ASCII (the usual case) decodes as Latin-1, a plain copy; a newline byte is never part of a longer UTF-8 character.
    const text = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
    for (const line of text.split("\n")) {
      this.line++;
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        return this.fail(serializationError(`Line ${this.line} is not valid JSON: ${(err as Error).message}.${NOTHING_STORED}`));
      }
      const lookup = this.take(value);
      if (lookup) await lookup;
    }
  }

  /** The first line among `bytes` that is too long or not UTF-8: its error, and where it starts. */
  private refusal(bytes: Buffer): { error: ServiceError; at: number } | undefined {
    const valid = isUtf8(bytes);
    if (valid && bytes.length <= MAX_LINE_BYTES) return undefined;
    for (let from = 0, line = this.line + 1; ; line++) {
      const newline = bytes.indexOf(NEWLINE, from);
      const end = newline === -1 ? bytes.length : newline;
      if (end - from > MAX_LINE_BYTES) return { error: tooLong(line), at: from };
      if (!valid && !isUtf8(bytes.subarray(from, end))) {
        return { error: serializationError(`Line ${line} is not valid UTF-8; send the body as UTF-8 text.${NOTHING_STORED}`), at: from };
      }
      if (newline === -1) return undefined;
      from = newline + 1;
    }
  }
}

const tooLong = (line: number) =>
  invalidRequest(`Line ${line} is longer than ${MAX_LINE_BYTES} bytes: one event a line, each at most that long.${NOTHING_STORED}`);
