/**
 * The service's notion of now, in epoch milliseconds. It never runs backwards, even when the
 * machine's clock does. The lifecycle issue adds scaled and manual clocks behind this interface.
 */
export interface Clock {
  now(): number;
}

export class RealClock implements Clock {
  private last = 0;

  now(): number {
    this.last = Math.max(this.last, Date.now());
    return this.last;
  }
}
