// What `npm test` needs from the machine, installed before any test runs: each need has a quick check and the
// .ci/install-*.sh step that provides it. Missing ones are installed when this process may (root, apt-get);
// otherwise it stops at once with one line naming the command to run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A Debian package's installed version, or undefined. */
function debVersion(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg], { encoding: 'utf8' });
  const m = /^install ok installed (\S+)/.exec(r.stdout ?? '');
  return m ? m[1] : undefined;
}

const lavapipe = () => {
  const v = debVersion('mesa-vulkan-drivers');
  const icd = '/usr/share/vulkan/icd.d';
  return (
    v !== undefined &&
    Number(v.split('.')[0]) >= 25 &&
    existsSync(icd) &&
    readdirSync(icd).some((f) => f.startsWith('lvp_icd'))
  );
};

const NEEDS = [
  {
    what: 'Fashion-MNIST (the PVR and table tests)',
    step: '.ci/install-data.sh',
    present: () => existsSync('/usr/share/datasets/fashion-mnist'),
  },
  {
    what: 'Chromium, ripgrep and libkrb5-dev (the end-to-end tests in code-server)',
    step: '.ci/install-e2e.sh',
    present: () =>
      existsSync('/usr/bin/chromium') && ['ripgrep', 'libkrb5-dev'].every((p) => debVersion(p) !== undefined),
  },
  { what: 'Mesa >= 25 with lavapipe (WebGPU tests on the CPU)', step: '.ci/install-mesa.sh', present: lavapipe },
  {
    what: "numpy for Debian's python3 (the BERT fixture's weights are regenerated and compared)",
    step: '.ci/install-numpy.sh',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0,
  },
  {
    what: 'Slurm and munge (the sweep tests start a single-node cluster)',
    step: '.ci/install-slurm.sh',
    present: () => ['slurmctld', 'slurmd', 'slurm-client', 'munge'].every((p) => debVersion(p) !== undefined),
  },
];

const mayInstall = () =>
  process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

const missing = NEEDS.filter((n) => !n.present());
if (missing.length) {
  if (!mayInstall()) {
    const steps = missing.map((n) => `bash ${n.step}`).join(' && ');
    console.error(
      `npm test needs ${missing.map((n) => n.what).join('; ')}: run \`sudo sh -c '${steps}'\`, then npm test again`,
    );
    process.exit(1);
  }
  for (const n of missing) {
    console.log(`npm test: installing ${n.what} (${n.step})`);
    const r = spawnSync('bash', [path.join(root, n.step)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) {
      console.error(`npm test: ${n.step} failed (exit ${r.status ?? r.signal}); run it alone to see why`);
      process.exit(1);
    }
    if (!n.present()) {
      console.error(`npm test: ${n.step} ran but ${n.what} is still missing`);
      process.exit(1);
    }
  }
}
