// Where a PVR network's errors sit: in reading the images, or in combining the four quadrants.
//   node --import ./scripts/register-ts.mjs scripts/pvr-errors.ts samples/pvr/quick.ts .iit/tables/pvr-quick-mnist/IIT_MULTI-seed0
//   … scripts/pvr-errors.ts [--data mnist|fashion-mnist] <experiment.ts> <run directory>
// The data set is the one the run recorded in its run config (MNIST digits or Fashion-MNIST), unless --data names
// one (it sets IIT_DATASET for the experiment file; IIT_DATA_DIR still wins). A run measured on other data than it
// was trained on is refused.
// The run must have trained probes (MULTI, IIT+MULTI). The Y_TL probe is the reader: top-left holds every class in
// training, so its probe has seen them all; since the quick network's encoder is shared by the quadrants, it reads
// any quadrant's code. A grid is "readable" when the reader gets the pointer's group and the pointed class right.
import { loadExperiment, openExperiment } from '../server/app/open';
import { tf } from '../server/engine/tf';
import { DATASET_NAMES } from '../server/data/idx';
import { pointedQuadrant } from '../server/data/pvr';
import { PVR_VARIABLES } from '../server/pvr/model';
import { RunDir } from '../server/runs/runDir';

const args = process.argv.slice(2);
const at = args.indexOf('--data');
const asked = at >= 0 ? args.splice(at, 2)[1] : undefined;
const [file, runDir] = args;
if (!file || !runDir || (at >= 0 && !(DATASET_NAMES as readonly (string | undefined)[]).includes(asked))) {
  console.error(
    `usage: scripts/pvr-errors.ts [--data ${DATASET_NAMES.join('|')}] <experiment.ts> <run directory with probes>`,
  );
  process.exit(2);
}
const run = RunDir.open(runDir);
const cfg = run.config;
// The data set the run trained on, as its config recorded it.
const recorded = cfg.dataset?.name;
const dataset = asked ?? (DATASET_NAMES as readonly (string | undefined)[]).find((n) => n === recorded);
if (dataset) process.env.IIT_DATASET = dataset;
const exp = await loadExperiment(file);
const digest = exp.dataDigest();
if (cfg.data !== undefined && cfg.data !== digest) {
  console.error(
    `${runDir} was trained on other data (digest ${cfg.data}${recorded ? `, ${recorded}` : ''}) than ${file} now ` +
      `gives (digest ${digest}${exp.decl.dataset ? `, ${exp.decl.dataset.name}` : ''}); pass --data with the run's data set`,
  );
  process.exit(2);
}
const { session } = await openExperiment({ file, config: cfg.config, seed: cfg.seed }, exp);
console.log(
  `data: ${exp.decl.dataset ? `${exp.decl.dataset.name} from ${exp.decl.dataset.source ?? '?'}; ` : ''}digest ${digest}`,
);
session.net.setParameters(run.readWeights());
const W = session.net.params.get('probe.YTL.W');
const b = session.net.params.get('probe.YTL.b');
const site = session.alignment.get('YTL').site;
if (!W || !b) throw new Error(`${runDir}: configuration ${cfg.config} trained no linear probe on YTL`);

for (const [name, split] of session.splits) {
  const n = split.size;
  let right = 0;
  let readable = 0;
  let rightWhenReadable = 0;
  const byClass = new Map<number, { right: number; n: number }>();
  for (let at = 0; at < n; at += 500) {
    const rows = Int32Array.from({ length: Math.min(500, n - at) }, (_, i) => at + i);
    const [pred, read] = tf.tidy(() => {
      const outs = session.net.run(split.features(rows), { outputs: [session.net.output, site] });
      const codes = outs[site]!;
      const flat = tf.reshape(codes, [rows.length * 4, -1]);
      return [tf.argMax(outs[session.net.output]!, 1), tf.argMax(tf.add(tf.matMul(flat, W), b), 1)];
    });
    const p = (await pred.data()) as Int32Array;
    const q = (await read.data()) as Int32Array;
    tf.dispose([pred, read]);
    rows.forEach((r, k) => {
      const v = split.valuesAt(r) as Record<string, number>;
      const w = pointedQuadrant(v.YTL!);
      const ok = p[k] === split.label(r);
      const canRead = pointedQuadrant(q[4 * k]!) === w && q[4 * k + w] === v[PVR_VARIABLES[w]!];
      right += +ok;
      readable += +canRead;
      if (canRead) rightWhenReadable += +ok;
      const c = byClass.get(v[PVR_VARIABLES[w]!]!) ?? { right: 0, n: 0 };
      c.right += +ok;
      c.n += 1;
      byClass.set(v[PVR_VARIABLES[w]!]!, c);
    });
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `${name}: ${n} grids; network right ${pct(right / n)}; readable ${pct(readable / n)}; ` +
      `network right on readable grids ${pct(rightWhenReadable / readable)}`,
  );
  const classes = [...byClass].sort((x, y) => x[0] - y[0]);
  console.log(`  network right by pointed class: ${classes.map(([c, s]) => `${c} ${pct(s.right / s.n)}`).join(', ')}`);
}
session.dispose();
