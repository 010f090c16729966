/** The engine's description of a loaded experiment: CLI `inspect` and the server's iit/experimentInfo. */
import type { Experiment } from '../engine/experiment';
import { GRID_MAX_INPUTS } from '../engine/evaluate';
import { PRESET_OBJECTIVES } from '../engine/presets';
import type { Session } from '../engine/session';
import { formatValue } from '../engine/values';
import type { ExperimentInfo } from '../protocol/results';

/** Labels of a small split's inputs, in the order of the IIA grids: "(F,T)" over the model's inputs. */
export function inputLabels(exp: Experiment, session: Session): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  for (const [name, split] of session.splits) {
    if (split.size > GRID_MAX_INPUTS) continue;
    out[name] = Array.from({ length: split.size }, (_, i) => {
      const input = split.input(i) as Record<string, unknown>;
      return `(${exp.model.inputs.map((v) => formatValue(input[v])).join(',')})`;
    });
  }
  return Object.keys(out).length ? out : undefined;
}

export function describeExperiment(exp: Experiment, session: Session): ExperimentInfo {
  const m = exp.model;
  return {
    experiment: exp.name,
    file: exp.file,
    inputSpaceSize: m.inputSpaceSize,
    variables: m.order.map((v) => ({
      name: v,
      role: m.inputs.includes(v) ? 'input' : m.outputs.includes(v) ? 'output' : 'intermediate',
      values: m.decls[v].values.describe(),
      size: m.decls[v].values.size,
      parents: m.parents[v]!,
      type: m.typeOf(v),
    })),
    sites: session.net.sites.map((s) => ({ name: s, shape: session.net.siteShape(s) })),
    alignment: [...session.alignment.entries.values()].map((a) => ({
      variable: a.variable,
      site: a.site,
      ranges: a.ranges,
      neurons: a.flat.length,
      type: a.type,
      kind: a.kind,
      ...(a.coords ? { coords: a.coords } : {}),
    })),
    output: { variable: session.head.variable, loss: session.head.loss },
    configs: exp.configNames,
    splits: Object.fromEntries([...session.splits].map(([k, s]) => [k, s.size])),
    ...((labels) => (labels ? { inputLabels: labels } : {}))(inputLabels(exp, session)),
    // Offered by the editor's "Add Configuration": the editor imports nothing of the engine.
    presets: PRESET_OBJECTIVES,
  };
}
