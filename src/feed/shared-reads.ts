/**
 * Work that readers of one stream target share. An append wakes every reader of its fleet at once,
 * and readers that were at the same position ask the same question: one query answers them all,
 * and each event is shaped into its message once, not once per reader.
 */
import type { AppendedEvent, AppendPosition, Scope, Store } from "../store/types.js";

type Page = { events: AppendedEvent[]; through: AppendPosition };

/** How long a shaped message is reused: its log URL, minted with it, stays valid far longer. */
const MESSAGE_TTL_MS = 60_000;
const MAX_MESSAGES = 5_000;

export class SharedReads {
  private readonly pending = new Map<string, Promise<Page>>();
  private readonly messages = new Map<string, { text: string; at: number }>();

  constructor(private readonly store: Store) {}

  /** store.readAppended, with one query for identical reads in flight at the same time. */
  readAppended(scope: Scope, query: { fleetId?: string; after: AppendPosition; limit: number }): Promise<Page> {
    const key = JSON.stringify([scope.accountId, scope.region, query.fleetId ?? null, query.after.txid, query.after.seq, query.limit]);
    let page = this.pending.get(key);
    if (!page) {
      page = this.store.readAppended(scope, query).finally(() => this.pending.delete(key));
      this.pending.set(key, page);
    }
    return page;
  }

  /** The message under `key`, shaped by `build` when not shaped in the last minute. */
  message(key: string, build: () => string): string {
    const now = Date.now();
    const cached = this.messages.get(key);
    if (cached && now - cached.at < MESSAGE_TTL_MS) return cached.text;
    const text = build();
    this.messages.delete(key);
    this.messages.set(key, { text, at: now });
    // Oldest first in insertion order: drop from the front.
    if (this.messages.size > MAX_MESSAGES) this.messages.delete(this.messages.keys().next().value!);
    return text;
  }
}
