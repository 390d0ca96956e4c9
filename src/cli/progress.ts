/** A progress bar with rate and ETA on stderr when it is a terminal; nothing at all otherwise. */
import cliProgress from "cli-progress";

export interface Progress {
  /** `done` of the total so far, and how many events that was. */
  update(done: number, events: number): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total <= 0) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {percentage}% | {events} events | {rate} events/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { events: 0, rate: 0 });
  return {
    update(done, events) {
      const seconds = (Date.now() - started) / 1000;
      bar.update(Math.min(done, total), { events: events.toLocaleString("en-US"), rate: seconds > 0 ? Math.round(events / seconds) : 0 });
    },
    stop: () => bar.stop(),
  };
}
