import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError } from '../../server/data/idx';
import {
  checkMqnliFile,
  codeAt,
  codeIndex,
  composeCode,
  CODE_SPACE,
  createGenSplit,
  DETERMINERS,
  encode,
  generateMqnli,
  HYPOTHESIS_OBJECT_QP_POSITIONS,
  LEXICON,
  LEXICON_CATEGORIES,
  levelTwoWeights,
  lexiconProblems,
  mqnliVocabulary,
  parseMqnliJsonl,
  PREMISE_OBJECT_QP_POSITIONS,
  PREMISE_VERB_POSITION,
  readMqnliJsonl,
  realise,
  segmentsOf,
  sentenceString,
  SEQUENCE_LENGTH,
  compose,
  tokenIdsOf,
  tokensOf,
  toRecord,
  writeMqnliJsonl,
  type MqnliExample,
  type MqnliPair,
} from '../../server/data/mqnli';
import { Rng } from '../../server/engine/rng';

const tmpDirs: string[] = [];
function tmpFolder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'iit-mqnli-'));
  tmpDirs.push(d);
  return d;
}
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// The paper's example pair.
const PAPER: MqnliPair = {
  premise: {
    subjectQ: 'every',
    subjectAdj: '',
    subjectNoun: 'baker',
    negated: false,
    adverb: 'happily',
    verb: 'eat',
    objectQ: 'some',
    objectAdj: 'stale',
    objectNoun: 'bread',
  },
  hypothesis: {
    subjectQ: 'some',
    subjectAdj: 'angry',
    subjectNoun: 'baker',
    negated: true,
    adverb: '',
    verb: 'eat',
    objectQ: 'some',
    objectAdj: '',
    objectNoun: 'bread',
  },
};

// Small enough for the fast tier; the data sets built once are shared by the tests below.
const SIZES = { train: 3000, validation: 1500, test: 1500 };
const data = generateMqnli({ ...SIZES, seed: 11 });

describe('MQNLI lexicon', () => {
  test('six disjoint lists of 100 words, none a function word, with the paper example words', () => {
    for (const c of LEXICON_CATEGORIES) assert.equal(LEXICON[c].length, 100, c);
    assert.deepEqual(lexiconProblems(LEXICON), []);
    const all = LEXICON_CATEGORIES.flatMap((c) => LEXICON[c]);
    assert.equal(new Set(all).size, 600);
    for (const w of ['some', 'every', 'no', 'not', 'does', 'emptystring', 'notevery', 'doesnot']) {
      assert.ok(!all.includes(w), w);
    }
    assert.ok(LEXICON.agents.includes('baker') && LEXICON.things.includes('bread'));
    assert.ok(LEXICON.subjectAdjectives.includes('angry') && LEXICON.objectAdjectives.includes('stale'));
    assert.ok(LEXICON.adverbs.includes('happily') && LEXICON.verbs.includes('eat'));
    assert.deepEqual(DETERMINERS, ['every', 'notevery', 'some', 'no']);
    assert.match(lexiconProblems({ ...LEXICON, verbs: [...LEXICON.verbs, 'bread'] }).join(), /both things and verbs/);
  });
});

describe('MQNLI token layout', () => {
  test("27 tokens: [CLS] premise [SEP] hypothesis [SEP], 12 slots a sentence (the paper's pair)", () => {
    const tokens = tokensOf(PAPER);
    assert.equal(tokens.length, SEQUENCE_LENGTH);
    assert.deepEqual(tokens, [
      '[CLS]',
      ...['emptystring', 'every', 'emptystring', 'baker', 'emptystring', 'emptystring', 'happily', 'eat'],
      ...['emptystring', 'some', 'stale', 'bread'],
      '[SEP]',
      ...['emptystring', 'some', 'angry', 'baker', 'does', 'not', 'emptystring', 'eat'],
      ...['emptystring', 'some', 'emptystring', 'bread'],
      '[SEP]',
    ]);
    assert.equal(PREMISE_VERB_POSITION, 8);
    assert.equal(tokens[PREMISE_VERB_POSITION], 'eat');
    assert.deepEqual(PREMISE_OBJECT_QP_POSITIONS, [9, 10, 11, 12]);
    assert.deepEqual(HYPOTHESIS_OBJECT_QP_POSITIONS, [22, 23, 24, 25]);
    assert.deepEqual(
      PREMISE_OBJECT_QP_POSITIONS.map((p) => tokens[p]),
      ['emptystring', 'some', 'stale', 'bread'],
    );
  });

  test('"not every" is split over two slots, "no" is one word in the quantifier slot', () => {
    const pair: MqnliPair = {
      premise: { ...PAPER.premise, subjectQ: 'notevery', objectQ: 'no' },
      hypothesis: { ...PAPER.hypothesis, subjectQ: 'no', objectQ: 'notevery' },
    };
    const t = tokensOf(pair);
    assert.deepEqual([t[1], t[2]], ['not', 'every']);
    assert.deepEqual([t[9], t[10]], ['emptystring', 'no']);
    assert.deepEqual([t[14], t[15]], ['emptystring', 'no']);
    assert.deepEqual([t[22], t[23]], ['not', 'every']);
  });

  test('token type ids: 14 zeros then 13 ones', () => {
    assert.deepEqual(segmentsOf(PAPER), [...new Array<number>(14).fill(0), ...new Array<number>(13).fill(1)]);
  });

  test('vocabulary: special tokens, emptystring, function words, then the lexicon; no generated token is unknown', () => {
    const v = mqnliVocabulary();
    assert.deepEqual(v.tokens.slice(0, 11), [
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'emptystring',
      'not',
      'does',
      'every',
      'some',
      'no',
    ]);
    assert.equal(v.size, 11 + 600);
    assert.equal(v.tokens[11], LEXICON.agents[0]);
    assert.equal(v.id('[PAD]'), 0);
    assert.equal(v.id('zebra'), v.unkId);
    for (const ex of data.train.slice(0, 500)) {
      const ids = tokenIdsOf(ex, v);
      assert.equal(ids.length, 27);
      assert.ok(!ids.includes(v.unkId), tokensOf(ex).join(' '));
    }
  });
});

describe('MQNLI codes', () => {
  test("the paper's pair encodes as the authors' example_to_encoding would", () => {
    // negV_p 0, Q_S_p every 0, Q_O_p some 2, negV_h 1, Q_S_h some 2, Q_O_h some 2,
    // adjS ε→angry 1, adjO stale→ε 2, adv happily→ε 2, same subject noun, verb and object noun.
    assert.deepEqual(encode(PAPER), [0, 0, 2, 1, 2, 2, 1, 2, 2, 1, 1, 1]);
    assert.equal(composeCode(encode(PAPER)).label, 'contradiction');
  });

  test('codeIndex and codeAt are inverse over the 2^19 codes', () => {
    assert.equal(CODE_SPACE, 2 ** 19);
    for (const i of [0, 1, 12345, CODE_SPACE - 1]) assert.equal(codeIndex(codeAt(i)), i);
    assert.deepEqual(codeAt(CODE_SPACE - 1), [1, 3, 3, 1, 3, 3, 3, 3, 3, 1, 1, 1]);
  });

  test('realise draws words that encode back to the code and compose to the code label', () => {
    const rng = new Rng(5);
    for (let k = 0; k < 2000; k++) {
      const code = codeAt(rng.int(CODE_SPACE));
      const pair = realise(code, rng);
      assert.deepEqual(encode(pair), code);
      assert.equal(compose(pair.premise, pair.hypothesis).label, composeCode(code).label);
    }
  });
});

describe('MQNLI hardest split', () => {
  const split = createGenSplit(new Rng(3));

  test('536 training codes: 64 per non-# negP group plus the 152 # ones; labels 56 / 56 / 424', () => {
    assert.equal(split.train.length, 536);
    const labels = { entailment: 0, contradiction: 0, neutral: 0 };
    for (const i of split.train) labels[composeCode(codeAt(i)).label]++;
    assert.deepEqual(labels, { entailment: 56, contradiction: 56, neutral: 424 });
  });

  test('training sees each object-level combination with one verb negation pair only', () => {
    const negations = new Map<string, Set<string>>();
    for (const i of split.train) {
      const c = codeAt(i);
      const comp = composeCode(c);
      const key = `${c[2]}/${c[5]}/${comp.objNP}/${comp.VP}`;
      if (!negations.has(key)) negations.set(key, new Set());
      negations.get(key)!.add(`${c[0]}${c[3]}`);
    }
    assert.equal(negations.size, 256);
    for (const [key, negs] of negations) assert.equal(negs.size, 1, key);
  });

  test('no training code appears in validation or test', () => {
    const train = new Set(data.train.map((e) => codeIndex(e.codes)));
    for (const i of train) assert.equal(data.split.isTrain[i], 1);
    for (const e of [...data.validation, ...data.test]) {
      assert.ok(!train.has(codeIndex(e.codes)), e.codes.join(','));
      assert.equal(data.split.isTrain[codeIndex(e.codes)], 0);
    }
  });

  test('every label is what the natural-logic model gives, and codes match the words', () => {
    for (const e of [...data.train, ...data.validation, ...data.test]) {
      assert.equal(compose(e.premise, e.hypothesis).label, e.label);
      assert.deepEqual(encode(e), e.codes);
    }
  });

  test('labels are balanced: each a third, to within one example', () => {
    // Sampling is stratified (a third of the draws per label), so the only imbalance is the remainder of n / 3.
    for (const name of ['train', 'validation', 'test'] as const) {
      const set = data[name];
      assert.equal(set.length, SIZES[name]);
      for (const label of ['entailment', 'contradiction', 'neutral']) {
        const n = set.filter((e) => e.label === label).length;
        assert.ok(Math.abs(n - set.length / 3) <= 1, `${name} ${label}: ${n} of ${set.length}`);
      }
    }
  });

  test('level-2 weights give each (objNP, VP, subjNP) cell the same total weight', () => {
    const w = levelTwoWeights(split.train);
    const perCell = new Map<string, number>();
    split.train.forEach((code, i) => {
      const c = composeCode(codeAt(code));
      const cell = `${c.objNP}/${c.VP}/${c.subjNP}`;
      perCell.set(cell, (perCell.get(cell) ?? 0) + w[i]!);
    });
    for (const [cell, total] of perCell) assert.ok(Math.abs(total - 1) < 1e-9, `${cell}: ${total}`);
  });

  test('the same seed gives the same data; another seed does not', () => {
    const a = generateMqnli({ train: 300, validation: 60, test: 60, seed: 4 });
    const b = generateMqnli({ train: 300, validation: 60, test: 60, seed: 4 });
    const c = generateMqnli({ train: 300, validation: 60, test: 60, seed: 5 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.train, c.train);
  });

  test('a quick configuration (20k training examples) is generated in a few seconds', () => {
    const t0 = performance.now();
    const d = generateMqnli({ train: 20000, validation: 2000, test: 2000, seed: 1 });
    assert.equal(d.train.length, 20000);
    assert.ok(performance.now() - t0 < 10000);
  });

  test('sizes must be whole numbers', () => {
    assert.throws(() => generateMqnli({ train: -1, validation: 0, test: 0, seed: 1 }), /whole number/);
    assert.throws(() => generateMqnli({ train: 1.5, validation: 0, test: 0, seed: 1 }), /whole number/);
  });
});

describe('MQNLI JSONL', () => {
  test('sentences are the nine-word emptystring strings', () => {
    assert.equal(sentenceString(PAPER.premise), 'every emptystring baker emptystring happily eat some stale bread');
    assert.equal(sentenceString(PAPER.hypothesis), 'some angry baker doesnot emptystring eat some emptystring bread');
    assert.equal(sentenceString({ ...PAPER.premise, subjectQ: 'notevery' }).split(' ')[0], 'notevery');
  });

  test('write then read gives back the same examples; the write leaves no temporary file', () => {
    const dir = tmpFolder();
    const file = path.join(dir, 'train.jsonl');
    writeFileSync(file, 'old contents\n');
    writeMqnliJsonl(file, data.train);
    assert.deepEqual(readdirSync(dir), ['train.jsonl']);
    const back = readMqnliJsonl(file);
    assert.deepEqual(back, data.train);
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), ['premise', 'hypothesis', 'label', 'codes']);
  });

  test('checkMqnliFile agrees on every line of generated data', () => {
    const file = path.join(tmpFolder(), 'test.jsonl');
    writeMqnliJsonl(file, data.test);
    const report = checkMqnliFile(file);
    assert.deepEqual(report, { total: data.test.length, agree: data.test.length, disagreements: [] });
  });

  test('checkMqnliFile names the line of a corrupted label and of mismatched codes', () => {
    const file = path.join(tmpFolder(), 'bad.jsonl');
    const examples: MqnliExample[] = data.validation.slice(0, 50).map((e) => ({ ...e, codes: [...e.codes] }));
    const wrong = (l: string) => (l === 'entailment' ? 'neutral' : 'entailment');
    examples[6] = { ...examples[6]!, label: wrong(examples[6]!.label) };
    examples[20]!.codes[10] = 1 - examples[20]!.codes[10]!;
    writeMqnliJsonl(file, examples);
    const report = checkMqnliFile(file);
    assert.equal(report.total, 50);
    assert.equal(report.agree, 48);
    assert.equal(report.disagreements.length, 2);
    const [label, codes] = report.disagreements;
    assert.equal(label!.line, 7);
    assert.equal(label!.label, examples[6]!.label);
    assert.equal(label!.computed, data.validation[6]!.label);
    assert.equal(codes!.line, 21);
    assert.equal(codes!.computed, codes!.label);
    assert.deepEqual(codes!.computedCodes, data.validation[20]!.codes);
  });

  test('a malformed line gives a DataError naming the file and line, with a fix', () => {
    const file = path.join(tmpFolder(), 'broken.jsonl');
    const good = data.test.slice(0, 3).map((e) => JSON.stringify(toRecord(e)));
    writeFileSync(file, [good[0], good[1], '{"premise": "every", oops', good[2]].join('\n'));
    assert.throws(
      () => readMqnliJsonl(file),
      (e: unknown) =>
        e instanceof DataError && e.message.startsWith(`${file}:3: not valid JSON`) && !!e.fix && e.file === file,
    );
    const line = (o: object) => JSON.stringify({ ...JSON.parse(good[0]!), ...o });
    const cases: [string, RegExp][] = [
      [line({ label: 'maybe' }), /:1: "label" must be/],
      [line({ codes: [0, 0, 0] }), /:1: "codes": a code is an array of 12 integers/],
      [
        line({ codes: [0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }),
        /:1: "codes": Q_S_p \(entry 2\) must be an integer in 0\.\.3/,
      ],
      [line({ premise: 'every baker eats' }), /:1: premise: a sentence has 9 words/],
      [
        line({ hypothesis: 'few emptystring baker emptystring emptystring eat some emptystring bread' }),
        /:1: hypothesis: word 1 should be a quantifier/,
      ],
      [
        line({ premise: 'some emptystring baker not emptystring eat some emptystring bread' }),
        /:1: premise: word 4 should be doesnot or emptystring/,
      ],
      ['[1, 2]', /:1: the line is not a JSON object/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(
        () => parseMqnliJsonl(text, 'x.jsonl'),
        (e: unknown) => e instanceof DataError && pattern.test(e.message) && e.message.startsWith('x.jsonl:1:'),
        text,
      );
    }
    assert.throws(() => readMqnliJsonl(path.join(tmpFolder(), 'missing.jsonl')), /no such MQNLI file/);
  });

  test('blank lines are skipped and line numbers still count them', () => {
    const [a, b] = data.test.slice(0, 2).map((e) => JSON.stringify(toRecord(e)));
    assert.equal(parseMqnliJsonl(`${a}\n\n${b}\n`, 'y.jsonl').length, 2);
    assert.throws(() => parseMqnliJsonl(`${a}\n\nnope\n`, 'y.jsonl'), /DataError: y\.jsonl:3: not valid JSON/);
  });
});
