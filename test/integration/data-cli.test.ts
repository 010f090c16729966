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
