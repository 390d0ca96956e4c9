/**
 * Appends between nodes of one PostgreSQL database: each node tells the others of its appends with
 * NOTIFY and hears theirs with LISTEN, on one dedicated connection, and publishes what it hears to
 * its own hub as remote notices (`local: false`).
 *
 * - NOTIFY goes out after the append committed (the hub only hears of committed appends) and off the
 *   append's path: the notices of one event-loop turn go out together, one NOTIFY per turn, so
 *   ingest never waits on it and a burst of appends costs one round trip.
 * - A notice is only a wake-up: readers re-read from their position. If the connection drops,
 *   notices are lost; on reconnecting the node wakes every reader (hub.wakeAll), and the readers'
 *   periodic re-check covers the gap while it is down.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Scope } from "../store/types.js";
import type { AppendHub, AppendNotice } from "./hub.js";

export const APPEND_CHANNEL = "liftlog_appends";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; past this, notices name scopes only. */
const MAX_PAYLOAD = 7000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/** The wire form: the sending node, then per scope [account, region, fleet IDs (empty: any)]. */
interface Payload {
  n: string;
  s: [string, string, string[]][];
}

export class PostgresAppendBridge {
  private readonly node = randomUUID();
  private client: pg.Client | undefined;
  private pending = new Map<string, { scope: Scope; fleets: Set<string> }>();
  private flushScheduled = false;
  private closed = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly connectionString: string,
    private readonly hub: AppendHub,
  ) {
    this.unsubscribe = hub.subscribe({}, (notice) => this.queue(notice));
  }

  /** Connects and listens; resolves once this node hears the others. */
  static async start(connectionString: string, hub: AppendHub): Promise<PostgresAppendBridge> {
    const bridge = new PostgresAppendBridge(connectionString, hub);
    await bridge.connect();
    return bridge;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: `liftlog feed (pid ${process.pid})`,
      connectionTimeoutMillis: 10_000,
    });
    client.on("notification", (msg) => this.heard(msg.payload));
    client.on("error", (err) => this.lost(client, err));
    client.on("end", () => this.lost(client));
    await client.connect();
    await client.query(`LISTEN ${APPEND_CHANNEL}`);
    this.client = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    if (err) console.error(`liftlog: feed connection to PostgreSQL lost (${err.message}); reconnecting`);
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(RECONNECT_MAX_MS, delay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        // Whatever the other nodes said meanwhile is lost: every reader re-reads.
        () => this.hub.wakeAll(),
        (err) => {
          console.error(`liftlog: feed cannot reach PostgreSQL (${(err as Error).message}); retrying`);
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  private queue(notice: AppendNotice): void {
    if (!notice.local || this.closed) return;
    const key = `${notice.scope.accountId}/${notice.scope.region}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { scope: notice.scope, fleets: new Set() }));
    for (const fleetId of notice.fleetIds) entry.fleets.add(fleetId);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const entries = [...this.pending.values()];
    this.pending = new Map();
    const client = this.client;
    if (!client || entries.length === 0) return;
    let payload: Payload = { n: this.node, s: entries.map((e) => [e.scope.accountId, e.scope.region, [...e.fleets]]) };
    if (JSON.stringify(payload).length > MAX_PAYLOAD)
      payload = { n: this.node, s: entries.map((e) => [e.scope.accountId, e.scope.region, []]) };
    const text = JSON.stringify(payload);
    // Still too long (thousands of scopes): an empty scope list, which wakes every reader.
    const sent = text.length > MAX_PAYLOAD ? JSON.stringify({ n: this.node, s: [] }) : text;
    client.query("SELECT pg_notify($1, $2)", [APPEND_CHANNEL, sent]).catch((err: Error) => this.lost(client, err));
  }

  private heard(text: string | undefined): void {
    let payload: Payload;
    try {
      payload = JSON.parse(text ?? "");
    } catch {
      return; // Not ours (someone else on the channel): nothing to wake.
    }
    if (payload.n === this.node || !Array.isArray(payload.s)) return;
    if (payload.s.length === 0) return this.hub.wakeAll();
    for (const [accountId, region, fleetIds] of payload.s) {
      this.hub.publish({ scope: { accountId, region }, fleetIds: Array.isArray(fleetIds) ? fleetIds : [], local: false });
    }
  }
}
