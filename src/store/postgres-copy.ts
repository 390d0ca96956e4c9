/**
 * Bulk writes to PostgreSQL with `COPY … FROM STDIN` (text format) through pg-copy-streams:
 * about a third cheaper per event than a multi-row INSERT at the batch sizes ingest sends
 * (docs/performance.md, "Ingest"). COPY runs inside the caller's transaction, fires the same
 * constraints (a reused event ID fails it with the same unique violation, 23505) and fills
 * omitted columns from their defaults.
 */
import { once } from "node:events";
import { setImmediate as nextTurn } from "node:timers/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/** A value of one COPY text-format field; null is SQL NULL. */
export type CopyValue = string | number | boolean | Buffer | null;

// The characters COPY's text format gives a meaning to; U+0000 never reaches here (checkStorable).
const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** One field in COPY's text form. */
export function copyField(value: CopyValue): string {
  if (value === null) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return String(value);
  // bytea's hex input form, its backslash doubled for COPY.
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString("hex")}`;
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

/** Rows made into COPY text and sent this many at a time (see copyEach). */
export const CHUNK = 500;

/**
 * One COPY on the caller's connection, its rows written as they are made. PostgreSQL may refuse a
 * row (a reused event ID) before the last is written: the stream then has no connection, so nothing
 * more is written or ended, and end() rejects with the server's error.
 */
export class CopyIn {
  private readonly stream;
  private readonly finished: Promise<unknown>;
  private done = false;
  refused = false;

  constructor(client: pg.PoolClient, table: string, columns: readonly string[]) {
    this.stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
    // Listening from the start, for a refusal before the last row.
    this.finished = once(this.stream, "finish");
    this.finished.catch(() => undefined);
    this.stream.once("error", () => (this.refused = true));
  }

  write(text: string): void {
    if (!this.refused) this.stream.write(text);
  }

  /** Resolves once PostgreSQL took every row; rejects with its error. */
  async end(): Promise<void> {
    this.done = true;
    if (!this.refused) this.stream.end();
    await this.finished;
  }

  /** Abandons the COPY (PostgreSQL gets CopyFail and rolls it back), leaving the connection usable. */
  async abandon(): Promise<void> {
    if (this.done || this.refused) return;
    this.done = true;
    this.stream.destroy(new Error("append dropped"));
    await this.finished.catch(() => undefined);
  }
}

/**
 * Copies one row per item, made by `line` (COPY text with its line end), sending them a chunk at a
 * time as they are made: PostgreSQL parses and indexes the first rows while the rest are written.
 */
export async function copyEach<T>(
  client: pg.PoolClient,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  line: (item: T) => string,
): Promise<void> {
  const copy = new CopyIn(client, table, columns);
  for (let i = 0; i < items.length && !copy.refused; ) {
    let text = "";
    for (const end = Math.min(i + CHUNK, items.length); i < end; i++) text += line(items[i]!);
    copy.write(text);
    await nextTurn(); // lets the socket send the chunk and take PostgreSQL's answers
  }
  await copy.end();
}
