/**
 * Typos are errors: an unknown key anywhere in a declaration and an unknown
 * option on the command line each fail with the nearest valid name, never a
 * silently ignored setting.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parseArgs, UsageError, type CommandSpec } from '../../server/cli/args';
import { checkDeclarationKeys, keyLocation, nearestName } from '../../server/engine/declarationSchema';
import { IITError } from '../../server/engine/errors';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-strict-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The IITError a declaration raises, or undefined when it passes. */
function keyError(decl: unknown): IITError | undefined {
  try {
    checkDeclarationKeys(decl);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof IITError, String(e));
    return e;
  }
}

test('nearestName: the closest valid name, with transpositions; nothing when nothing is close', () => {
  assert.equal(nearestName('stpes', ['steps', 'epochs', 'pairs']), 'steps');
  assert.equal(nearestName('epoks', ['steps', 'epochs', 'pairs']), 'epochs');
  assert.equal(nearestName('itt', ['task', 'iit', 'probe']), 'iit');
  assert.equal(nearestName('BatchSize', ['batchSize', 'steps']), 'batchSize');
  assert.equal(nearestName('zzzzzzzz', ['steps', 'epochs']), undefined);
  assert.equal(nearestName('x', ['steps']), undefined);
});

test('a declaration with only known keys passes, functions and arrays untouched', () => {
  const decl = {
    name: 'ok',
    model: {},
    network: () => null,
    encode: () => [0],
    alignment: { A: { site: 'h1', slice: [[0, 2]] } },
    objectives: { task: 1, iit: 1 },
    training: { steps: 10, optimizer: { type: 'adam', lr: 0.01 }, sampling: { intervention: 'each' } },
    evaluation: { pairs: 100, sampling: { impactful: true } },
    configs: { quick: { training: { steps: 2, until: { iia: 0.9 } }, alignment: { B: { site: 'h2' } } } },
  };
  assert.equal(keyError(decl), undefined);
});

test('an unknown key at each level names its path and the nearest key', () => {
  const cases: [unknown, string][] = [
    [{ netwrok: () => 0 }, 'netwrok: unknown key; did you mean network?'],
    [{ training: { stpes: 20 } }, 'training.stpes: unknown key; did you mean steps?'],
    [{ training: { optimizer: { lR: 0.1 } } }, 'training.optimizer.lR: unknown key; did you mean lr?'],
    [{ training: { schedule: { gama: 0.5 } } }, 'training.schedule.gama: unknown key; did you mean gamma?'],
    [{ training: { sampling: { guardd: true } } }, 'training.sampling.guardd: unknown key; did you mean guard?'],
    [{ evaluation: { pair: 10 } }, 'evaluation.pair: unknown key; did you mean pairs?'],
    [{ objectives: { itt: 1 } }, 'objectives.itt: unknown key; did you mean iit?'],
    [{ alignment: { A: { sites: 'h1' } } }, 'alignment.A.sites: unknown key; did you mean site?'],
    [{ configs: { quick: { trainig: {} } } }, 'configs.quick.trainig: unknown key; did you mean training?'],
    [
      { configs: { quick: { evaluation: { sampling: { intervention: 'each' } } } } },
      'configs.quick.evaluation.sampling.intervention: unknown key',
    ],
  ];
  for (const [decl, message] of cases) {
    const e = keyError(decl);
    assert.ok(e, `no error for ${JSON.stringify(decl)}`);
    assert.equal(e.code, 'bad-config');
    assert.ok(e.message.startsWith(message), `${e.message} ≠ ${message}`);
  }
});

test('a key with no near match lists the valid keys as the fix', () => {
  const e = keyError({ training: { zzzzzzzzzz: 1 } });
  assert.ok(e);
  assert.match(e.message, /^training\.zzzzzzzzzz: unknown key$/);
  assert.match(e.fix ?? '', /use one of .*steps/);
});

test("keyLocation finds the key's own line inside the experiment({...}) call, past comments and strings", () => {
  const file = path.join(tmp, 'exp.ts');
  const lines = [
    "import { experiment } from 'iit-studio';",
    'export default experiment({',
    "  name: 'a { b', // training: { stpes } in a comment",
    '  training: {',
    '    steps: 3,',
    '  },',
    '  configs: {',
    '    quick: { training: { stpes: 2 } },',
    '  },',
    '});',
  ];
  writeFileSync(file, lines.join('\n'));
  const call = { file, line: 2, column: 16 };
  assert.deepEqual(keyLocation(call, ['configs', 'quick', 'training', 'stpes']), { file, line: 8, column: 26 });
  assert.deepEqual(keyLocation(call, ['training', 'steps']), { file, line: 5, column: 5 });
  // A key the file does not write out (built in code) falls back to its deepest written parent.
  assert.deepEqual(keyLocation(call, ['configs', 'slow', 'training']), { file, line: 7, column: 3 });
});

const spec: CommandSpec = { positionals: 1, options: { steps: 'value', json: 'switch', config: 'value' } };
const usage = (argv: string[]) => {
  try {
    parseArgs('train', argv, spec);
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e.message;
  }
  assert.fail(`no usage error for ${argv.join(' ')}`);
};

test('parseArgs: known options, values inline or after, switches', () => {
  const a = parseArgs('train', ['train', 'x.ts', '--steps', '5', '--json', '--config=quick'], spec);
  assert.deepEqual(a._, ['train', 'x.ts']);
  assert.deepEqual(a.flags, { steps: '5', json: true, config: 'quick' });
});

test('parseArgs: an unknown option, a missing value, a switch with a value, a second file are usage errors', () => {
  assert.equal(usage(['train', 'x.ts', '--stpes', '5']), "unknown option '--stpes' for 'train'; did you mean --steps?");
  assert.equal(
    usage(['train', 'x.ts', '--zzzzzzzz']),
    "unknown option '--zzzzzzzz' for 'train'; 'train' takes --steps, --json, --config",
  );
  assert.equal(usage(['train', 'x.ts', '--steps']), '--steps takes a value: --steps VALUE');
  assert.equal(usage(['train', 'x.ts', '--json=yes']), "--json takes no value (remove '=yes')");
  assert.equal(usage(['train', 'x.ts', 'y.ts']), "'train' takes one experiment file; unexpected 'y.ts'");
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the CLI: an unknown command or option exits 2 with one line and the nearest name', () => {
  const cmd = cli('trian', 'samples/conjunction/figure1.ts');
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /unknown command 'trian'; did you mean 'train'\?/);
  const opt = cli('train', 'samples/conjunction/figure1.ts', '--epochs', '3');
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /unknown option '--epochs' for 'train'/);
  for (const r of [cmd, opt]) assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(opt.stdout, '');
});

test("the CLI: a misspelt key in an experiment file is one line naming the file, the key's line and the fix", () => {
  const src = path.join(root, 'samples/conjunction/figure1.ts');
  const text = readFileSync(src, 'utf8').replace(/training: \{/, 'training: {\n    stpes: 3,');
  assert.match(text, /stpes: 3/, 'figure1.ts has a training block to misspell in');
  const file = path.join(root, 'samples/conjunction', `.strict-${process.pid}.ts`);
  writeFileSync(file, text);
  try {
    const r = cli('train', file, '--out', path.join(tmp, 'never'));
    assert.equal(r.code, 2, r.stderr);
    const line = text.split('\n').findIndex((l) => l.includes('stpes: 3')) + 1;
    assert.match(
      r.stderr,
      new RegExp(`\\.strict-${process.pid}\\.ts:${line}:\\d+: training\\.stpes: unknown key; did you mean steps\\?`),
    );
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    rmSync(file, { force: true });
  }
});
