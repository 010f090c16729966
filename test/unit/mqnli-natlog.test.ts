import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compose,
  detSig,
  labelId,
  labelOf,
  lexicalRelation,
  negSig,
  RELATION_SYMBOLS,
  RELATIONS,
  relationOfSymbol,
  symbolOf,
  type BaseQuantifier,
  type MqnliSentence,
  type Relation,
} from '../../server/data/mqnli/natlog';

// The tables of /work/shared/reascan-mqnli-facts.md §D, copied as written there: rows are the restrictor relation,
// each string gives the scope columns ≡ ⊏ ⊐ ^ ‿ | #.
const DETSIG_FACTS: Record<string, Record<string, string>> = {
  'some/some': { '≡': '≡⊏⊐‿‿##', '⊏': '⊏⊏#‿‿##', '⊐': '⊐#⊐‿‿##', '#': '#######' },
  'every/every': { '≡': '≡⊏⊐|#|#', '⊏': '⊐#⊐|#|#', '⊐': '⊏⊏#|#|#', '#': '#######' },
  'some/every': { '≡': '⊐#⊐^‿|#', '⊏': '⊐#⊐|#|#', '⊐': '⊐#⊐‿‿##', '#': '#######' },
  'every/some': { '≡': '⊏⊏#^‿|#', '⊏': '⊏⊏#‿‿##', '⊐': '⊏⊏#|#|#', '#': '#######' },
};
const NEGSIG_FACTS: Record<string, string> = {
  'none/none': '≡⊏⊐^‿|#',
  'none/neg': '^|‿≡⊐⊏#',
  'neg/none': '^‿|≡⊏⊐#',
  'neg/neg': '≡⊐⊏^|‿#',
};

describe('MQNLI natural logic: signatures', () => {
  test('relations are the seven symbols in table column order', () => {
    assert.deepEqual(RELATION_SYMBOLS, ['≡', '⊏', '⊐', '^', '‿', '|', '#']);
    assert.deepEqual(RELATIONS.map(symbolOf), [...RELATION_SYMBOLS]);
    for (const s of RELATION_SYMBOLS) assert.equal(symbolOf(relationOfSymbol(s)), s);
  });

  test('DetSig matches the facts table entry by entry (4 quantifier pairs × 4 restrictors × 7 scopes)', () => {
    let checked = 0;
    for (const [pair, rows] of Object.entries(DETSIG_FACTS)) {
      const [p, h] = pair.split('/') as [BaseQuantifier, BaseQuantifier];
      for (const [restrictor, cols] of Object.entries(rows)) {
        const expected = Array.from(cols);
        assert.equal(expected.length, 7);
        RELATIONS.forEach((scope, i) => {
          const got = symbolOf(detSig(p, h, relationOfSymbol(restrictor), scope));
          assert.equal(got, expected[i], `DetSig ${pair} restrictor ${restrictor} scope ${symbolOf(scope)}`);
          checked++;
        });
      }
    }
    assert.equal(checked, 4 * 4 * 7);
  });

  test('NegSig matches the facts table entry by entry (4 negation pairs × 7 relations)', () => {
    let checked = 0;
    for (const [pair, cols] of Object.entries(NEGSIG_FACTS)) {
      const [p, h] = pair.split('/').map((x) => x === 'neg');
      const expected = Array.from(cols);
      RELATIONS.forEach((r, i) => {
        assert.equal(symbolOf(negSig(p!, h!, r)), expected[i], `NegSig ${pair} on ${symbolOf(r)}`);
        checked++;
      });
    }
    assert.equal(checked, 4 * 7);
  });

  test('a restrictor is a noun phrase relation: ^ ‿ | are refused', () => {
    for (const r of ['negation', 'cover', 'alternation'] as Relation[]) {
      assert.throws(() => detSig('some', 'every', r, 'equivalence'), /restrictor relation/);
    }
  });

  test('lexical relations: same ≡, (word, ε) ⊏, (ε, word) ⊐, different #, (ε, ε) ≡', () => {
    assert.equal(lexicalRelation('angry', 'angry'), 'equivalence');
    assert.equal(lexicalRelation('angry', ''), 'forward');
    assert.equal(lexicalRelation('', 'angry'), 'reverse');
    assert.equal(lexicalRelation('angry', 'happy'), 'independence');
    assert.equal(lexicalRelation('', ''), 'equivalence');
    // The file token for ε counts as ε.
    assert.equal(lexicalRelation('emptystring', ''), 'equivalence');
    assert.equal(lexicalRelation('stale', 'emptystring'), 'forward');
  });

  test('labels: {≡,⊏} entailment, {^,|} contradiction, {⊐,‿,#} neutral; IC ids neutral 0, entailment 1, contradiction 2', () => {
    const expected = ['entailment', 'entailment', 'neutral', 'contradiction', 'neutral', 'contradiction', 'neutral'];
    assert.deepEqual(RELATIONS.map(labelOf), expected);
    assert.equal(labelId('neutral'), 0);
    assert.equal(labelId('entailment'), 1);
    assert.equal(labelId('contradiction'), 2);
  });
});

/** A sentence from its nine-word string, '_' for ε ("doesnot" for the negation). */
function s(text: string): MqnliSentence {
  const w = text.split(' ').map((x) => (x === '_' ? '' : x));
  assert.equal(w.length, 9, text);
  return {
    subjectQ: w[0] as MqnliSentence['subjectQ'],
    subjectAdj: w[1]!,
    subjectNoun: w[2]!,
    negated: w[3] === 'doesnot',
    adverb: w[4]!,
    verb: w[5]!,
    objectQ: w[6] as MqnliSentence['objectQ'],
    objectAdj: w[7]!,
    objectNoun: w[8]!,
  };
}

function relations(premise: string, hypothesis: string) {
  const c = compose(s(premise), s(hypothesis));
  return {
    subjNP: symbolOf(c.subjNP),
    objNP: symbolOf(c.objNP),
    VP: symbolOf(c.VP),
    QP_obj: symbolOf(c.QP_obj),
    negP: symbolOf(c.negP),
    root: symbolOf(c.root),
    label: c.label,
  };
}

describe('MQNLI natural logic: composed examples', () => {
  test("the paper's example: contradiction, with QP_obj ⊏", () => {
    // every baker happily eats some stale bread / some angry baker does not eat some bread.
    // subjNP (ε, angry) ⊐; VP (happily, ε) ⊏; objNP (stale, ε) ⊏; QP_obj = DetSig(some,some)[⊏,⊏] = ⊏;
    // negP = NegSig(none/neg)[⊏] = |; root = DetSig(every,some)[⊐,|] = |: contradiction.
    const c = compose(
      s('every _ baker _ happily eat some stale bread'),
      s('some angry baker doesnot _ eat some _ bread'),
    );
    assert.equal(c.QP_obj, 'forward');
    assert.equal(c.label, 'contradiction');
    assert.equal(c.labelId, 2);
    assert.deepEqual(
      relations('every _ baker _ happily eat some stale bread', 'some angry baker doesnot _ eat some _ bread'),
      { subjNP: '⊐', objNP: '⊏', VP: '⊏', QP_obj: '⊏', negP: '|', root: '|', label: 'contradiction' },
    );
  });

  test('identical sentences are equivalent', () => {
    assert.equal(relations('some _ baker _ _ eat some _ bread', 'some _ baker _ _ eat some _ bread').root, '≡');
  });

  test('every ⊏ some in the subject, not the other way round', () => {
    // DetSig(every,some)[≡,≡] = ⊏ (existential import): entailment.
    assert.equal(
      relations('every _ baker _ _ eat some _ bread', 'some _ baker _ _ eat some _ bread').label,
      'entailment',
    );
    // DetSig(some,every)[≡,≡] = ⊐: neutral.
    assert.equal(relations('some _ baker _ _ eat some _ bread', 'every _ baker _ _ eat some _ bread').root, '⊐');
  });

  test('no = ¬some and notevery = ¬every contradict their base', () => {
    // DetSig(some,some)[≡,≡] = ≡, then NegSig(neg/none)[≡] = ^.
    assert.equal(relations('no _ baker _ _ eat some _ bread', 'some _ baker _ _ eat some _ bread').root, '^');
    // DetSig(every,every)[≡,≡] = ≡, then NegSig(neg/none)[≡] = ^.
    assert.equal(relations('notevery _ baker _ _ eat some _ bread', 'every _ baker _ _ eat some _ bread').root, '^');
  });

  test('a negated object quantifier under every: contradiction', () => {
    // objNP (ε, stale) ⊐; QP_obj = NegSig(neg/none)[DetSig(some,some)[⊐,≡] = ⊐] = |;
    // negP = |; root = DetSig(every,some)[≡,|] = |: "every baker eats no bread" vs "some baker eats some stale bread".
    const r = relations('every _ baker _ _ eat no _ bread', 'some _ baker _ _ eat some stale bread');
    assert.deepEqual([r.objNP, r.QP_obj, r.negP, r.root, r.label], ['⊐', '|', '|', '|', 'contradiction']);
    // Under "some" the subject does not force it: DetSig(some,some)[≡,|] = #.
    assert.equal(relations('some _ baker _ _ eat no _ bread', 'some _ baker _ _ eat some stale bread').root, '#');
  });

  test('verb negation on both sides reverses the object quantifier phrase', () => {
    // QP_obj = DetSig(some,every)[≡,≡] = ⊐; negP = NegSig(neg/neg)[⊐] = ⊏; root = DetSig(some,some)[≡,⊏] = ⊏.
    const r = relations('some _ baker doesnot _ eat some _ bread', 'some _ baker doesnot _ eat every _ bread');
    assert.deepEqual([r.QP_obj, r.negP, r.root, r.label], ['⊐', '⊏', '⊏', 'entailment']);
    // The converse: QP_obj ⊏, negP ⊐, root ⊐: neutral.
    assert.equal(
      relations('some _ baker doesnot _ eat every _ bread', 'some _ baker doesnot _ eat some _ bread').root,
      '⊐',
    );
  });

  test("every is downward in its restrictor: adding an adjective in the hypothesis' subject entails", () => {
    // subjNP (ε, angry) ⊐; DetSig(every,every)[⊐,≡] = ⊏.
    assert.equal(
      relations('every _ baker _ _ eat some _ bread', 'every angry baker _ _ eat some _ bread').label,
      'entailment',
    );
    // Under some it goes the other way: DetSig(some,some)[⊐,≡] = ⊐.
    assert.equal(relations('some _ baker _ _ eat some _ bread', 'some angry baker _ _ eat some _ bread').root, '⊐');
  });

  test('a different head word makes its phrase #, and # reaches the root', () => {
    // VP = # (different verbs) whatever the adverbs; DetSig[·,#] = # everywhere.
    const r = relations('some _ baker _ happily eat some _ bread', 'some _ baker _ happily see some _ bread');
    assert.deepEqual([r.VP, r.QP_obj, r.root, r.label], ['#', '#', '#', 'neutral']);
    // A different object noun: objNP = # even with the same adjective.
    assert.equal(relations('some _ baker _ _ eat some stale bread', 'some _ baker _ _ eat some stale cake').objNP, '#');
    // Dropping an adverb generalises: VP ⊏ → QP_obj ⊏ → root ⊏.
    assert.equal(relations('some _ baker _ happily eat some _ bread', 'some _ baker _ _ eat some _ bread').root, '⊏');
  });
});
