/**
 * 'iit-studio/mqnli': C^QPObj_NatLog over the words (the paper's own example, an interchange of QP_obj worked by
 * hand, the augmentation that swaps the quantified verb phrase), the batch encoding in BERT's 27-token layout, the
 * alignment at the premise's verb, the layer sweep's configurations, a checkpoint's vocabulary, and the debugger's
 * token grid of a sequence site.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { augmentInput, inputAncestors, tf } from 'iit-studio';
import {
  layerSweep,
  mqnliCausalModel,
  mqnliData,
  pairOf,
  qpObjAlignment,
  readVocab,
  settingOf,
  type MqnliSentence,
  type MqnliValues,
} from 'iit-studio/mqnli';
import type { Setting } from '../../server/engine/causal';
import { tokenGrid } from '../../server/debug/variablesView';
import { mqnliVocabulary } from '../../server/data/mqnli/index';

const sentence = (s: Partial<MqnliSentence>): MqnliSentence => ({
  subjectQ: 'some',
  subjectAdj: '',
  subjectNoun: 'baker',
  negated: false,
  adverb: '',
  verb: 'eat',
  objectQ: 'some',
  objectAdj: '',
  objectNoun: 'bread',
  ...s,
});

// "every baker happily eats some stale bread" / "some angry baker does not eat some bread" (paper §6).
const paperPair = {
  premise: sentence({ subjectQ: 'every', adverb: 'happily', objectAdj: 'stale' }),
  hypothesis: sentence({ subjectAdj: 'angry', negated: true }),
};

const model = mqnliCausalModel();

test("the paper's example: QP_obj = ⊏ and the label contradiction; settings and pairs round-trip", () => {
  const x = settingOf(paperPair);
  const run = model.run(x);
  assert.equal(run.QP_obj, '⊏');
  assert.equal(run.label, 'contradiction');
  assert.deepEqual(pairOf(x), paperPair);
  assert.equal(x.P_Adv, 'happily');
  assert.equal(x.H_Adv, 'emptystring');
});

test('an interchange of QP_obj keeps the base subject and negation and takes the source verb-phrase relation', () => {
  // Base: "some baker eats some bread" / "some baker eats some bread": QP_obj ≡, entailment.
  const base = settingOf({ premise: sentence({}), hypothesis: sentence({}) });
  // Source: the object quantifiers every / some over the same NP and VP: DetSig(every, some)[≡, ≡] = ⊏.
  const source = settingOf({ premise: sentence({ objectQ: 'every' }), hypothesis: sentence({}) });
  assert.equal(model.run(base).QP_obj, '≡');
  assert.equal(model.run(source).QP_obj, '⊏');
  // Base subject: some/some, same NP (≡); negP = QP_obj = ⊏; DetSig(some, some)[≡, ⊏] = ⊏: entailment.
  assert.equal(model.interchange(base, source, 'QP_obj').label, 'entailment');
  // "does not" in both base sentences: negP = NegSig(neg/neg)[≡] = ≡, entailment; after the interchange
  // NegSig(neg/neg)[⊏] = ⊐ and DetSig(some, some)[≡, ⊐] = ⊐: neutral.
  const negBase = settingOf({ premise: sentence({ negated: true }), hypothesis: sentence({ negated: true }) });
  assert.equal(model.run(negBase).label, 'entailment');
  assert.equal(model.interchange(negBase, source, 'QP_obj').label, 'neutral');
});

test("augmentation swaps the quantified verb phrase's words from the source, then the model relabels", () => {
  const anc = inputAncestors(model as never, 'QP_obj').sort();
  assert.deepEqual(anc, ['H_Adv', 'H_AdjO', 'H_NO', 'H_QO', 'H_V', 'P_Adv', 'P_AdjO', 'P_NO', 'P_QO', 'P_V'].sort());
  const base = settingOf(paperPair);
  const source = settingOf({
    premise: sentence({ verb: 'see', objectQ: 'no', objectNoun: 'cake' }),
    hypothesis: sentence({ verb: 'see', objectNoun: 'cake' }),
  });
  const aug = augmentInput(model, base, source, [{ from: 'QP_obj', to: 'QP_obj' }]) as Setting<MqnliValues>;
  const p = pairOf(aug);
  assert.equal(p.premise.subjectQ, 'every'); // the base's subject side stays
  assert.equal(p.hypothesis.subjectAdj, 'angry');
  assert.equal(p.premise.verb, 'see');
  assert.equal(p.premise.objectQ, 'no');
  assert.equal(p.premise.objectNoun, 'cake');
  // Relabelled by the model: the same as the interchange of QP_obj.
  assert.equal(model.run(aug).label, model.interchange(base, source, 'QP_obj').label);
});

test('encodeBatch lays each pair out as 27 tokens with token types; tokens names them', async () => {
  await tf.setBackend('cpu');
  const data = mqnliData({ train: 60, validation: 6, test: 6, seed: 2 });
  assert.equal(data.splits.train.size, 60);
  const x = settingOf(paperPair);
  const feeds = data.encodeBatch([x, data.splits.test.at(0)]);
  assert.deepEqual(feeds.input_ids!.shape, [2, 27]);
  assert.deepEqual(feeds.token_type_ids!.shape, [2, 27]);
  assert.deepEqual([...feeds.attention_mask!.dataSync()], Array(54).fill(1));
  const ids = [...feeds.input_ids!.dataSync()].slice(0, 27);
  const tokens = data.tokens(x);
  assert.deepEqual(tokens.slice(0, 14), [
    '[CLS]',
    'emptystring',
    'every',
    'emptystring',
    'baker',
    'emptystring',
    'emptystring',
    'happily',
    'eat',
    'emptystring',
    'some',
    'stale',
    'bread',
    '[SEP]',
  ]);
  assert.equal(tokens[8], 'eat'); // the premise's verb, where QP_obj is aligned
  assert.deepEqual(
    ids,
    tokens.map((t) => data.tokenId(t)),
  );
  assert.deepEqual([...feeds.token_type_ids!.dataSync()].slice(0, 27), [...Array(14).fill(0), ...Array(13).fill(1)]);
  // Generated train and test inputs are labelled by the model as the generator labelled them.
  for (const ex of data.examples.test) assert.equal(model.run(settingOf(ex)).label, ex.label);
});

test('the alignment sits above the premise verb at layer ℓ; the sweep names each configuration C @ layerℓ', () => {
  assert.deepEqual(qpObjAlignment(4), { QP_obj: { site: 'layer4', slice: [[8, 9]] } });
  assert.deepEqual(qpObjAlignment(2, [0, 16]), {
    QP_obj: {
      site: 'layer2',
      slice: [
        [8, 9],
        [0, 16],
      ],
    },
  });
  const configs = layerSweep([0, 2], { training: { steps: 10 } });
  assert.deepEqual(Object.keys(configs), [
    'STANDARD @ layer0',
    'MULTI @ layer0',
    'IIT @ layer0',
    'IIT+MULTI @ layer0',
    'AUGMENT @ layer0',
    'STANDARD @ layer2',
    'MULTI @ layer2',
    'IIT @ layer2',
    'IIT+MULTI @ layer2',
    'AUGMENT @ layer2',
  ]);
  assert.deepEqual(configs['IIT+MULTI @ layer2']!.objectives, { task: 1, typedIit: 1, probe: 1 });
  assert.deepEqual(configs['MULTI @ layer0']!.probe, { kind: 'lowRank', rank: 32 });
  assert.deepEqual(configs['AUGMENT @ layer2']!.alignment, qpObjAlignment(2));
});

test("a checkpoint's vocabulary: every MQNLI token must be one entry; emptystring may take [unused0]", () => {
  const tiny = readVocab('test/fixtures/bert-tiny/vocab.txt');
  assert.throws(
    () => mqnliData({ train: 6, validation: 3, test: 3, vocab: tiny }),
    /\d+ MQNLI tokens are not one wordpiece of the checkpoint's vocab\.txt: emptystring, does, doctor, /,
  );
  const words = [...new Set(['[unused0]', ...mqnliVocabulary().tokens])].filter((t) => t !== 'emptystring');
  const vocab = new Map(words.map((w, i) => [w, i + 100]));
  const data = mqnliData({ train: 6, validation: 3, test: 3, vocab });
  assert.equal(data.tokenId('emptystring'), vocab.get('[unused0]'));
  assert.equal(data.tokenId('baker'), vocab.get('baker'));
  assert.equal(data.vocabSize, 100 + words.length);
});

test("the debugger's token grid: a row per token, the patched rows marked with the source's token", () => {
  const t = { shape: [3, 2], values: [1, 2, 3, 4, 5, 6] };
  const node = tokenGrid('layer0 after patch, by token', t, ['[CLS]', 'eat', '[SEP]'], [2, 3], {
    tokens: ['[CLS]', 'see', '[SEP]'],
    neurons: [2, 3],
  });
  assert.equal(node.value, '3 tokens × 2; patched: [1] eat');
  const rows = (node.children as () => { name: string; value: string }[])();
  assert.deepEqual(
    rows.map((r) => r.name),
    ['[0] [CLS]', '[1] eat', '[2] [SEP]'],
  );
  assert.match(rows[1]!.value, /^patched ← source's \[1\] 'see' · /);
  assert.doesNotMatch(rows[0]!.value, /patched/);
});
