/** The last report of each experiment file: this session's, else the newest finished run on disk. */
import path from 'node:path';
import type { Report } from '../protocol/results';
import { listRuns } from '../runs/list';
import type { Workspace } from './workspace';

export interface LastReport {
  report: Report;
  runId: string;
}

export class LastReports {
  private readonly byFile = new Map<string, LastReport>();

  constructor(private readonly workspace: Workspace) {}

  set(file: string, last: LastReport): void {
    this.byFile.set(file, last);
  }

  get(file: string): LastReport | undefined {
    const mem = this.byFile.get(file);
    if (mem) return mem;
    const found = listRuns(this.workspace.runsDirFor(file))
      .filter((r) => r.report && r.file && path.resolve(r.file) === file)
      .at(-1);
    if (!found?.report) return undefined;
    const v = { report: found.report, runId: found.runId };
    this.byFile.set(file, v);
    return v;
  }
}
