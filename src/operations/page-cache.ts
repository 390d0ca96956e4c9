/**
 * The newest page of each fleet, as dashboards poll it: DescribeFleetEvents without a NextToken
 * reads the same events again and again until the next append. A page is kept with the store's
 * change mark (Store.changeMark) read before the page was, and served again only while the mark is
 * unchanged: any committed write — an append, a Count raised in place, a retention delete, a fleet
 * changed or deleted, by this process or another on the same data — makes every kept page stale.
 * Stores without a cheap mark (PostgreSQL, whose nodes hear of each other's writes only
 * asynchronously) keep nothing. Bounded by an estimate of the bytes it holds; least recently used
 * pages go first.
 */

export interface CachedPage<T> {
  mark: string;
  value: T;
  bytes: number;
}

export const PAGE_CACHE_BYTES = 32 * 1024 * 1024;

export class PageCache<T> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private readonly pages = new Map<string, CachedPage<T>>();
  private bytes = 0;

  constructor(private readonly maxBytes = PAGE_CACHE_BYTES) {}

  /** The page kept under `key` if it was read at `mark`. */
  get(key: string, mark: string): T | undefined {
    const page = this.pages.get(key);
    if (!page) return undefined;
    this.forget(key, page);
    if (page.mark !== mark) return undefined;
    this.pages.set(key, page);
    this.bytes += page.bytes;
    return page.value;
  }

  /** Keeps `value`, read after the store's mark was `mark`; `bytes` estimates its size. */
  set(key: string, mark: string, value: T, bytes: number): void {
    const old = this.pages.get(key);
    if (old) this.forget(key, old);
    if (bytes > this.maxBytes) return;
    this.pages.set(key, { mark, value, bytes });
    this.bytes += bytes;
    for (const [oldest, page] of this.pages) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldest, page);
    }
  }

  /** Estimated bytes held, for tests of the bound. */
  get size(): number {
    return this.bytes;
  }

  private forget(key: string, page: CachedPage<T>): void {
    this.pages.delete(key);
    this.bytes -= page.bytes;
  }
}
