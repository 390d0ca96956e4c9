/**
 * The service's notion of now, in epoch milliseconds. It never runs backwards: not when the
 * machine's clock does, and not across restarts (each clock starts at or after the high-water mark
 * the store keeps).
 *   real    the machine's time
 *   scaled  the machine's time sped up by a factor (60: an hour of fleet life per wall minute)
 *   manual  stands still until advanced through the admin API, for deterministic tests
 */
export type ClockMode = "real" | "scaled" | "manual";

export const CLOCK_MODES: readonly ClockMode[] = ["real", "scaled", "manual"];

export interface Clock {
  readonly mode: ClockMode;
  /** Service seconds per wall second (1 for real and manual clocks). */
  readonly speed: number;
  now(): number;
  /** Wall milliseconds until the service clock reaches `ms`; undefined when only an explicit advance gets it there. */
  wallDelayUntil(ms: number): number | undefined;
}

export class RealClock implements Clock {
  readonly mode = "real";
  readonly speed = 1;

  constructor(private last = 0) {}

  now(): number {
    this.last = Math.max(this.last, Date.now());
    return this.last;
  }

  wallDelayUntil(ms: number): number {
    return Math.max(0, ms - this.now());
  }
}

export class ScaledClock implements Clock {
  readonly mode = "scaled";
  private readonly wallStart = Date.now();
  private last: number;

  constructor(
    readonly speed: number,
    private readonly start: number,
  ) {
    this.last = start;
  }

  now(): number {
    this.last = Math.max(this.last, Math.floor(this.start + Math.max(0, Date.now() - this.wallStart) * this.speed));
    return this.last;
  }

  wallDelayUntil(ms: number): number {
    return Math.max(0, Math.ceil((ms - this.now()) / this.speed));
  }
}

export class ManualClock implements Clock {
  readonly mode = "manual";
  readonly speed = 1;

  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  /** Moves the clock to `ms`; the caller has checked that this is not backwards. */
  set(ms: number): void {
    if (ms < this.current) throw new Error(`clock: ${ms} is before ${this.current}`);
    this.current = ms;
  }

  wallDelayUntil(): undefined {
    return undefined;
  }
}

/** A clock of the configured mode that starts no earlier than `floorMs` (the store's high-water mark). */
export function createClock(mode: ClockMode, speed: number, floorMs: number | undefined): Clock {
  const start = Math.max(floorMs ?? 0, Date.now());
  switch (mode) {
    case "real":
      return new RealClock(floorMs ?? 0);
    case "scaled":
      return new ScaledClock(speed, start);
    case "manual":
      // A manual clock resumes exactly where it stood, so a restarted test run picks up mid-creation.
      return new ManualClock(floorMs ?? Date.now());
  }
}
