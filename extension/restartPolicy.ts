/**
 * When the IIT server dies: restart it, unless it died too often lately (a
 * server that crashes at start would otherwise restart forever). Pure, so
 * the policy is unit-tested without VS Code.
 */

/** Crashes within this window count towards giving up. */
export const CRASH_WINDOW_MS = 3 * 60_000;
/** More crashes than this within the window: stop restarting. */
export const MAX_CRASHES = 5;

export type RestartDecision = { restart: true; message: string } | { restart: false; message: string };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly windowMs = CRASH_WINDOW_MS,
    private readonly maxCrashes = MAX_CRASHES,
  ) {}

  /** Records a crash at `now` (ms) and decides; the message is what the user is told. */
  onCrash(now: number): RestartDecision {
    this.crashes = [...this.crashes.filter((t) => now - t < this.windowMs), now];
    if (this.crashes.length > this.maxCrashes)
      return {
        restart: false,
        message: `The IIT server stopped ${this.crashes.length} times in ${Math.round(this.windowMs / 60_000)} minutes and will not be restarted. See the "IIT Studio" output, then run "IIT: Restart Server".`,
      };
    return {
      restart: true,
      message:
        'The IIT server stopped unexpectedly; restarting it. Runs in progress were cancelled (resume them from the Runs view).',
    };
  }

  /** A manual restart starts the count afresh. */
  reset(): void {
    this.crashes = [];
  }
}
