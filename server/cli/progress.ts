/** A one-line progress bar on a terminal's stderr; silent when stderr is not a TTY. */
import type { StepProgress } from '../engine/train';

export class ProgressBar {
  private last = 0;
  readonly enabled: boolean;

  constructor(enabled = process.stderr.isTTY === true) {
    this.enabled = enabled;
  }

  update(p: StepProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && p.step < p.totalSteps) return;
    this.last = now;
    const width = 24;
    const done = Math.round((width * p.step) / Math.max(1, p.totalSteps));
    const loss = Object.entries(p.losses)
      .map(([k, v]) => `${k} ${v.toFixed(4)}`)
      .join(' ');
    process.stderr.write(
      `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${p.step}/${p.totalSteps} ${loss} ${p.examplesPerSecond.toFixed(0)} pairs/s eta ${p.etaSeconds.toFixed(0)}s\x1b[K`,
    );
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}
