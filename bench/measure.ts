/** Timing: requests per second and latency percentiles of one operation. */

export interface Figures {
  requests: number;
  perSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

const ROUNDS = 10;

/**
 * Times operations that read the same pages, e.g. through the server and from the store: each runs
 * `warmup` untimed calls, then `requests` timed calls, one at a time, in interleaved rounds (ten
 * calls of A, ten of B, ...) so that a change in the machine's load (it is shared) hits every
 * operation alike and their ratio stays fair. Sequential on purpose: the figures compare the cost of
 * one page, not how well each side uses the cores. `operation(i)` gets the call's index, the same
 * sequence for every operation.
 */
export async function measure(requests: number, warmup: number, operations: ((i: number) => Promise<unknown>)[]): Promise<Figures[]> {
  for (const operation of operations) for (let i = 0; i < warmup; i++) await operation(i);
  const latencies = operations.map(() => new Float64Array(requests));
  const totals = operations.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    const from = Math.floor((round * requests) / ROUNDS);
    const to = Math.floor(((round + 1) * requests) / ROUNDS);
    for (const [k, operation] of operations.entries()) {
      const started = process.hrtime.bigint();
      for (let i = from; i < to; i++) {
        const t0 = process.hrtime.bigint();
        await operation(i);
        latencies[k]![i] = Number(process.hrtime.bigint() - t0) / 1e6;
      }
      totals[k]! += Number(process.hrtime.bigint() - started) / 1e6;
    }
  }
  return latencies.map((l, k) => {
    l.sort();
    return {
      requests,
      perSecond: requests / (totals[k]! / 1000),
      meanMs: totals[k]! / requests,
      p50Ms: percentile(l, 0.5),
      p99Ms: percentile(l, 0.99),
    };
  });
}

/** p50 and p99 of latencies in milliseconds, in any order. */
export function percentiles(latencies: number[]): { p50Ms: number; p99Ms: number } {
  const sorted = Float64Array.from(latencies).sort();
  return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export const formatCount = (n: number) => Math.round(n).toLocaleString("en-US");

export function formatMs(ms: number): string {
  return ms < 1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

/** Renders rows as a Markdown table (readable in a terminal as well). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** A command-line count: `fallback` when absent; "1_000" allowed; anything not a whole number of at least `min` is an error. */
export function wholeNumber(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}, got '${text}'`);
  return n;
}
