/**
 * `iit-studio data mqnli`: the generated hardest split written as JSONL agrees with the natural-logic model on every
 * line; a changed label is found and its line named; a bad kind or missing file is one line naming the fix.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: tmp,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('data mqnli --generate writes the three splits; --check agrees on 100% of each', () => {
  const g = cli(
    'data',
    'mqnli',
    '--generate',
    'mq',
    '--train',
    '3000',
    '--validation',
    '300',
    '--test',
    '300',
    '--seed',
    '4',
  );
  assert.equal(g.code, 0, g.stderr);
  assert.deepEqual(readdirSync(path.join(tmp, 'mq')).sort(), ['test.jsonl', 'train.jsonl', 'validation.jsonl']);
  for (const [split, n] of [
    ['train', 3000],
    ['validation', 300],
    ['test', 300],
  ] as const) {
    const r = cli('data', 'mqnli', `mq/${split}.jsonl`, '--check', '--json');
    assert.equal(r.code, 0, r.stderr);
    const check = JSON.parse(r.stdout);
    assert.equal(check.total, n);
    assert.equal(check.agree, n);
    assert.deepEqual(check.disagreements, []);
  }
  const text = cli('data', 'mqnli', 'mq/train.jsonl', '--check');
  assert.match(text.stdout, /^mq\/train\.jsonl: 3000 of 3000 examples agree \(100\.00%\)/);
});

test('data mqnli --check names the line whose label the model does not give, and exits 2', () => {
  const lines = readFileSync(path.join(tmp, 'mq/test.jsonl'), 'utf8').trim().split('\n');
  const k = lines.findIndex((l) => JSON.parse(l).label !== 'neutral');
  assert.ok(k >= 0);
  const rec = JSON.parse(lines[k]!);
  const was = rec.label;
  rec.label = 'neutral';
  lines[k] = JSON.stringify(rec);
  writeFileSync(path.join(tmp, 'bad.jsonl'), lines.join('\n') + '\n');
  const r = cli('data', 'mqnli', 'bad.jsonl', '--check');
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^bad\.jsonl: 299 of 300 examples agree \(99\.67%\)/);
  assert.match(r.stdout, new RegExp(`^  bad\\.jsonl:${k + 1}: file neutral \\[.*\\], computed ${was} `, 'm'));
});

test('data: an unknown kind, a missing file or a malformed line is one line with the fix', () => {
  const kind = cli('data', 'mqnlx', 'x.jsonl', '--check');
  assert.equal(kind.code, 2);
  assert.match(kind.stderr, /no data set kind 'mqnlx' — use one of mqnli/);
  const missing = cli('data', 'mqnli', 'nope.jsonl', '--check');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file 'nope\.jsonl'/);
  writeFileSync(path.join(tmp, 'torn.jsonl'), '{"premise": "every baker"\n');
  const torn = cli('data', 'mqnli', 'torn.jsonl', '--check');
  assert.equal(torn.code, 2, torn.stderr);
  assert.match(torn.stderr, /torn\.jsonl:1: /);
  assert.equal(torn.stderr.trim().split('\n').length, 1, torn.stderr);
});

test('data reascan --generate writes the original JSON; --check re-derives every target_commands (100%)', () => {
  const g = cli(
    'data',
    'reascan',
    '--generate',
    'rs/attribute.txt',
    '--dataset',
    'attribute',
    '--worlds',
    '1',
    '--seed',
    '2',
  );
  assert.equal(g.code, 0, g.stderr);
  const data = JSON.parse(readFileSync(path.join(tmp, 'rs/attribute.txt'), 'utf8'));
  assert.equal(data.grid_size, 6);
  for (const split of ['train', 'new_color', 'new_size']) assert.ok(data.examples[split]?.length > 0, split);
  const ex = data.examples.train[0];
  for (const k of ['command', 'target_commands', 'verb_in_command', 'referred_target', 'situation'])
    assert.ok(k in ex, `an example holds ${k}`);
  assert.ok(/^(walk|push|pull),the,/.test(ex.command), ex.command);
  const r = cli('data', 'reascan', 'rs/attribute.txt', '--check', '--json');
  assert.equal(r.code, 0, r.stderr);
  const check = JSON.parse(r.stdout);
  assert.ok(check.total > 100, `${check.total} examples`);
  assert.equal(check.agree, check.total);

  // One action sequence changed: found, and named by its split and index.
  data.examples.train[3].target_commands = `${data.examples.train[3].target_commands},walk`;
  writeFileSync(path.join(tmp, 'rs/bad.txt'), JSON.stringify(data));
  const bad = cli('data', 'reascan', 'rs/bad.txt', '--check');
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, new RegExp(`: ${check.total - 1} of ${check.total} examples agree`));
  assert.match(bad.stdout, /^ {2}rs\/bad\.txt: examples\.train\[3\]: file .*,walk, computed /m);
  // Options of the other kind are refused, by name.
  const wrong = cli('data', 'reascan', '--generate', 'x.txt', '--train', '5');
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--train is not an option of reascan/);
});
