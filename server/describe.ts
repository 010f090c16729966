/** The engine's description of a loaded experiment: CLI `inspect` and the server's iit/experimentInfo. */
import type { Experiment } from './engine/experiment';
import type { Session } from './engine/session';
import type { ExperimentInfo } from './protocol/index';

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
    alignment: [...session.alignment.entries.values()].map((a) => ({ variable: a.variable, site: a.site, ranges: a.ranges, neurons: a.flat.length, type: a.type })),
    output: { variable: session.head.variable, loss: session.head.loss },
    configs: exp.configNames,
    splits: Object.fromEntries([...session.splits].map(([k, s]) => [k, s.size])),
  };
}
