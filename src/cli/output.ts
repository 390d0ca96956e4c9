/**
 * Output shared by the commands: the AWS CLI's json and text formats (byte for byte), NDJSON, and
 * readable tables with colour on a terminal (none when piped or with NO_COLOR).
 */
import type { Event } from "@aws-sdk/client-gamelift";
import { compile, TreeInterpreter, type JSONValue } from "@jmespath-community/jmespath";
import { CliError, UsageError } from "./args.js";

export const OUTPUT_FORMATS = ["json", "text", "table", "ndjson"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** --output as given, else a table on a terminal and the AWS CLI's json when piped. */
export function outputFormat(given: string | undefined, stream: NodeJS.WriteStream = process.stdout): OutputFormat {
  if (given === undefined) return stream.isTTY ? "table" : "json";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(given)) {
    throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(", ")}, got '${given}'`);
  }
  return given as OutputFormat;
}

export type Query = (data: unknown) => unknown;

/** A --query JMESPath expression, compiled as the AWS CLI does (legacy literals allowed). */
export function compileQuery(expression: string | undefined): Query | undefined {
  if (expression === undefined) return undefined;
  let node;
  try {
    node = compile(expression, { enable_legacy_literals: true });
  } catch (err) {
    throw new UsageError(`--query is not a JMESPath expression: ${(err as Error).message}`);
  }
  return (data) => TreeInterpreter.search(node, data as JSONValue);
}

/** The AWS CLI's json output: Python's json.dump with indent 4, nothing at all for an empty object. */
export function awsJson(value: unknown): string {
  if (isObject(value) && Object.keys(value).length === 0) return "";
  return JSON.stringify(value, null, 4) + "\n";
}

/** An event as the AWS CLI prints it: the model's member order, EventTime in epoch seconds as on the JSON wire. */
export function eventRecord(event: Event): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const key of EVENT_MEMBERS) {
    const value = event[key];
    if (value === undefined) continue;
    record[key] = value instanceof Date ? value.getTime() / 1000 : value;
  }
  return record;
}

/** One event as an NDJSON line: its fleet (ARN when known) and the event as DescribeFleetEvents gives it. */
export const eventLine = (fleet: string, event: Event): Record<string, unknown> => ({ FleetId: fleet, ...eventRecord(event) });

/**
 * The event as export writes it and import and mirror store it: its fleet, the event without its
 * short-lived log URL (a server mints its own), and the text of its log, read from that URL now.
 */
export async function portableLine(fleet: string, event: Event): Promise<Record<string, unknown>> {
  const { PreSignedLogUrl: url, ...line } = eventLine(fleet, event);
  if (typeof url !== "string") return line;
  const res = await fetch(url).catch((err: Error) => ({ ok: false, status: 0, statusText: err.message }) as const);
  if (!res.ok) throw new CliError(`could not read the log of event ${event.EventId} (${res.status} ${res.statusText}) at ${url}`);
  return { ...line, Log: await (res as Response).text() };
}

export const eventRow = (e: Record<string, unknown>) => [
  isoTime(e.EventTime as number),
  String(e.EventCode ?? ""),
  String(e.ResourceId ?? ""),
  String(e.Count ?? 1),
  String(e.Message ?? "")
    .replace(/\r?\n/g, " ⏎ ")
    .replace(/\t/g, " "),
];

/** The Event shape's members in the service model's order, which botocore's parser (and so the AWS CLI) keeps. */
const EVENT_MEMBERS = ["EventId", "ResourceId", "EventCode", "Message", "EventTime", "PreSignedLogUrl", "Count"] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => !Array.isArray(v) && !isObject(v);

/** Python's str() of a JSON value, as the AWS CLI's text format writes scalars. */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  return String(value);
}

/** The AWS CLI's text format (awscli/text.py): tab-separated scalars, lists of objects with their identifier upper-cased. */
export function awsText(value: unknown): string {
  const out: string[] = [];
  formatText(value, out);
  return out.join("");
}

function formatText(item: unknown, out: string[], identifier?: string, scalarKeys?: string[]): void {
  if (isObject(item)) formatDict(item, out, identifier, scalarKeys);
  else if (Array.isArray(item)) formatList(item, out, identifier);
  else out.push(pyStr(item) + "\n");
}

function formatList(items: unknown[], out: string[], identifier?: string): void {
  if (items.length === 0) return;
  if (items.some(isObject)) {
    const keys = [...new Set(items.filter(isObject).flatMap((d) => Object.keys(d).filter((k) => isScalar(d[k]))))].sort();
    for (const element of items) formatText(element, out, identifier, keys);
  } else if (items.some(Array.isArray)) {
    const scalars = items.filter(isScalar);
    if (scalars.length > 0) formatScalars(scalars, out, identifier);
    for (const nested of items.filter((e) => !isScalar(e))) formatText(nested, out, identifier);
  } else formatScalars(items, out, identifier);
}

function formatScalars(items: unknown[], out: string[], identifier?: string): void {
  if (identifier !== undefined) for (const item of items) out.push(`${identifier.toUpperCase()}\t${pyStr(item)}\n`);
  else out.push(items.map(pyStr).join("\t") + "\n");
}

function formatDict(item: Record<string, unknown>, out: string[], identifier?: string, scalarKeys?: string[]): void {
  const scalars: string[] = [];
  const nested: [string, unknown][] = [];
  if (scalarKeys === undefined) {
    for (const key of Object.keys(item).sort()) {
      if (isScalar(item[key])) scalars.push(pyStr(item[key]));
      else nested.push([key, item[key]]);
    }
  } else {
    for (const key of scalarKeys) scalars.push(Object.hasOwn(item, key) ? pyStr(item[key]) : "");
    for (const key of Object.keys(item)
      .filter((k) => !scalarKeys.includes(k))
      .sort())
      nested.push([key, item[key]]);
  }
  if (scalars.length > 0) out.push((identifier !== undefined ? [identifier.toUpperCase(), ...scalars] : scalars).join("\t") + "\n");
  for (const [key, value] of nested) formatText(value, out, key);
}

/** ANSI styling, on only for a terminal without NO_COLOR. */
export interface Style {
  enabled: boolean;
  paint(text: string, colour: Colour): string;
}

const SGR = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof SGR;

export function styleFor(stream: NodeJS.WriteStream = process.stdout): Style {
  const enabled = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  return { enabled, paint: (text, colour) => (enabled ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text) };
}

/** How an event code reads at a glance: failures red, warnings yellow, a fleet or location coming up green. */
export function severityColour(code: string): Colour | undefined {
  if (/FAILED|ERROR|CRASHED|NOT_FOUND|TIMED_OUT|TIMEOUT|INVALID_PATH|MISCONFIGURED/.test(code)) return "red";
  if (/INTERRUPTED|UNHEALTHY|FORCE_TERMINATED|RECYCLED|REPLACED|DELETED|EXPIRED|DELETING/.test(code)) return "yellow";
  if (/_ACTIVE$|_SUCCEEDED$|_CREATED$/.test(code)) return "green";
  return undefined;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function renderTable(headers: string[], rows: string[][], style: Style, colourOf?: (row: number) => Colour | undefined): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const body = rows.map((r, i) => {
    const colour = colourOf?.(i);
    return colour ? style.paint(line(r), colour) : line(r);
  });
  return [style.paint(line(headers), "bold"), ...body].join("\n") + "\n";
}

/** A generic table of whatever --query returned: objects by key, lists by position, scalars one per line. */
export function queryTable(value: unknown, style: Style): string {
  const rows = Array.isArray(value) ? value : [value];
  if (rows.length > 0 && rows.every(isObject)) {
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
    return renderTable(
      keys,
      rows.map((r) => keys.map((k) => cell((r as Record<string, unknown>)[k]))),
      style,
    );
  }
  return rows.map((r) => (Array.isArray(r) ? r.map(cell).join("  ") : cell(r))).join("\n") + "\n";
}

export function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Epoch seconds as UTC ISO 8601 with milliseconds. */
export const isoTime = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();
