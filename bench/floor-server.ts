/**
 * The floor for DescribeFleetEvents: the least a server can do to answer it on liftlog's SQLite
 * file — node:http, better-sqlite3, the store's keyset query, JSON.stringify and HMAC-bound
 * tokens, and nothing else (no validation, no signature parsing, no log URLs, no errors in the
 * AWS shape). bench/floor.ts runs it beside liftlog on the same data; liftlog / floor is what all
 * of liftlog's own work costs.
 *   node dist/bench/floor-server.js <liftlog.db> <accountId> <region>
 * prints "listening on http://127.0.0.1:<port>" once ready.
 */
import { createServer } from "node:http";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import Database from "better-sqlite3";
import { decodeEvent, EVENT_COLUMNS, StringTable, type EventColumns as Row } from "../src/store/sqlite-encoding.js";

const [path, accountId, region] = process.argv.slice(2) as [string, string, string];
const db = new Database(path, { readonly: true });
db.pragma("busy_timeout = 5000");
// The same keyset scans as SqliteStore.queryEvents, first page and later pages, reading the same
// columns and decoding them the same way (event IDs stored as bytes, strings resolved from memory).
const COLUMNS = EVENT_COLUMNS;
const strings = new StringTable(db);
const FROM = "FROM fleets f CROSS JOIN events e WHERE f.account_id = ? AND f.region = ? AND f.fleet_id = ? AND e.fleet_pk = f.pk";
const ORDER = "ORDER BY e.event_time_ms DESC, e.seq DESC LIMIT ?";
const first = db.prepare<[string, string, string, number], Row>(`SELECT ${COLUMNS} ${FROM} ${ORDER}`);
const after = db.prepare<[string, string, string, number, number, number], Row>(
  `SELECT ${COLUMNS} ${FROM} AND (e.event_time_ms, e.seq) < (?, ?) ${ORDER}`,
);

const secret = randomBytes(32);
const mac = (fleetId: string, payload: string) =>
  createHmac("sha256", secret).update(`${accountId}\n${region}\n${fleetId}\n${payload}`).digest().subarray(0, 16);
const seal = (fleetId: string, position: [number, number]) => {
  const payload = JSON.stringify(position);
  return `${Buffer.from(payload).toString("base64url")}.${mac(fleetId, payload).toString("base64url")}`;
};
function open(fleetId: string, token: string): [number, number] {
  const [payload, given] = token.split(".").map((part) => Buffer.from(part, "base64url")) as [Buffer, Buffer];
  if (!timingSafeEqual(given, mac(fleetId, payload.toString("utf8")))) throw new Error("bad token");
  return JSON.parse(payload.toString("utf8")) as [number, number];
}

function page(body: { FleetId: string; Limit: number; NextToken?: string }): string {
  const { FleetId: fleetId, Limit: limit } = body;
  const rows = body.NextToken
    ? after.all(accountId, region, fleetId, ...open(fleetId, body.NextToken), limit + 1)
    : first.all(accountId, region, fleetId, limit + 1);
  const events = rows.slice(0, limit);
  const last = events[events.length - 1];
  return JSON.stringify({
    Events: events.map((e) => {
      const { eventId, resourceId, eventCode, message } = decodeEvent(e, strings);
      return {
        EventId: eventId,
        ResourceId: resourceId,
        EventCode: eventCode,
        Message: message,
        EventTime: e.event_time_ms / 1000,
        Count: e.count,
      };
    }),
    ...(rows.length > limit && last ? { NextToken: seal(fleetId, [last.event_time_ms, last.seq]) } : {}),
  });
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const out = page(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1", "Content-Length": Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(`listening on http://127.0.0.1:${address.port}`);
});
