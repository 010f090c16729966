/**
 * The natural-logic model that labels MQNLI (Geiger et al. 2019; MacCartney & Manning 2009): the relation between
 * premise and hypothesis is built bottom-up over the aligned parse, leaves first (lexical relations), then the
 * signatures of determiners and negations. This is the causal model whose QP_obj node IIT aligns with BERT.
 */
import { EMPTY, type Quantifier } from './lexicon';

/** MacCartney's seven relations, in the column order of the signature tables: ≡ ⊏ ⊐ ^ ‿ | #. */
export const RELATIONS = [
  'equivalence',
  'forward',
  'reverse',
  'negation',
  'cover',
  'alternation',
  'independence',
] as const;
export type Relation = (typeof RELATIONS)[number];

/** The symbols, index for index with RELATIONS. */
export const RELATION_SYMBOLS = ['≡', '⊏', '⊐', '^', '‿', '|', '#'] as const;
export type RelationSymbol = (typeof RELATION_SYMBOLS)[number];

/** Relations a noun phrase or verb phrase can stand in (adjective/adverb over an identical or different head). */
export const PHRASE_RELATIONS: readonly Relation[] = ['equivalence', 'forward', 'reverse', 'independence'];

export function relationIndex(r: Relation): number {
  return RELATIONS.indexOf(r);
}

export function symbolOf(r: Relation): RelationSymbol {
  return RELATION_SYMBOLS[relationIndex(r)]!;
}

export function relationOfSymbol(s: string): Relation {
  const i = (RELATION_SYMBOLS as readonly string[]).indexOf(s);
  if (i < 0) throw new RangeError(`"${s}" is not a relation symbol (one of ${RELATION_SYMBOLS.join(' ')})`);
  return RELATIONS[i]!;
}

/** A row of seven symbols, as the tables are written, to relations. */
function row(symbols: string): Relation[] {
  return Array.from(symbols, relationOfSymbol);
}

/**
 * MacCartney's join: if x R y and y S z, then x (R ⋈ S) z. Where the join is not one relation (e.g. ⊏ ⋈ ⊐), it is
 * taken as # (the least informative), as the MQNLI model does. Each row below follows from set semantics.
 */
const JOIN: Relation[][] = [
  row('≡⊏⊐^‿|#'),
  row('⊏⊏#|#|#'),
  row('⊐#⊐‿‿##'),
  row('^‿|≡⊏⊐#'),
  row('‿‿#⊐#⊐#'),
  row('|#|⊏⊏##'),
  row('#######'),
];

export function joinRelations(r: Relation, s: Relation): Relation {
  return JOIN[relationIndex(r)]![relationIndex(s)]!;
}

/** How negation projects a relation between its arguments: it swaps ⊏/⊐ and ‿/|. */
const NEGATION_PROJECTION = row('≡⊐⊏^|‿#');

/**
 * NegSig: the relation between (maybe-negated premise phrase) and (maybe-negated hypothesis phrase) given the
 * relation `r` between the phrases. Both negated: negation's projection. One negated: join with ^ on that side
 * (¬X ^ X), so premise-only is ^ ⋈ r and hypothesis-only is r ⋈ ^.
 */
export function negSig(premiseNeg: boolean, hypothesisNeg: boolean, r: Relation): Relation {
  if (premiseNeg && hypothesisNeg) return NEGATION_PROJECTION[relationIndex(r)]!;
  if (premiseNeg) return joinRelations('negation', r);
  if (hypothesisNeg) return joinRelations(r, 'negation');
  return r;
}

export type BaseQuantifier = 'some' | 'every';

/** Projectivity of a quantifier's restrictor (first) and scope (second) argument. */
const PROJECTIVITY: Record<BaseQuantifier, { restrictor: Relation[]; scope: Relation[] }> = {
  // "some" is upward monotone in both arguments; ^ and ‿ in either become ‿, | says nothing.
  some: { restrictor: row('≡⊏⊐‿‿##'), scope: row('≡⊏⊐‿‿##') },
  // "every" is downward in its restrictor and upward in its scope; ^ and | in the scope become |.
  every: { restrictor: row('≡⊐⊏|###'), scope: row('≡⊏⊐|#|#') },
};

/**
 * DetSig for "some … / some …" and "every … / every …": project each argument's relation through the quantifier,
 * then join the two effects. One order of the join may be uninformative where the other is not, so the stronger
 * (non-#) one is kept.
 */
function sameQuantifier(q: BaseQuantifier, restrictor: Relation, scope: Relation): Relation {
  const r = PROJECTIVITY[q].restrictor[relationIndex(restrictor)]!;
  const s = PROJECTIVITY[q].scope[relationIndex(scope)]!;
  const first = joinRelations(r, s);
  return first !== 'independence' ? first : joinRelations(s, r);
}

/**
 * DetSig for premise "some P Q" against hypothesis "every P' Q'", rows restrictor ≡ ⊏ ⊐ (# gives # throughout),
 * columns the scope relation. Mixed quantifiers have no projectivity shortcut, so the entries are worked out from the
 * set semantics with non-empty restrictors (the existential import the data assumes): e.g. with P ≡ P' and Q ^ Q',
 * "some P Q" and "every P ¬Q" contradict each other.
 */
const SOME_EVERY: Relation[][] = [row('⊐#⊐^‿|#'), row('⊐#⊐|#|#'), row('⊐#⊐‿‿##')];

/** Swapping premise and hypothesis turns each relation into its converse (⊏ ↔ ⊐; the rest are symmetric). */
const CONVERSE = row('≡⊐⊏^‿|#');

function converse(r: Relation): Relation {
  return CONVERSE[relationIndex(r)]!;
}

function restrictorRow(restrictor: Relation): number {
  const i = PHRASE_RELATIONS.indexOf(restrictor);
  if (i < 0) {
    throw new RangeError(
      `a determiner's restrictor relation is one of ${PHRASE_RELATIONS.map(symbolOf).join(' ')} (a noun phrase), got ${symbolOf(restrictor)}`,
    );
  }
  return i;
}

/**
 * DetSig: the relation between "premiseQ P Q" and "hypothesisQ P' Q'" given restrictor relation P~P' and scope
 * relation Q~Q'. Restrictors are noun phrases, so only ≡ ⊏ ⊐ # are accepted there.
 */
export function detSig(
  premiseQ: BaseQuantifier,
  hypothesisQ: BaseQuantifier,
  restrictor: Relation,
  scope: Relation,
): Relation {
  const i = restrictorRow(restrictor);
  if (restrictor === 'independence') return 'independence';
  if (premiseQ === hypothesisQ) return sameQuantifier(premiseQ, restrictor, scope);
  if (premiseQ === 'some') return SOME_EVERY[i]![relationIndex(scope)]!;
  // every/some is some/every read from the hypothesis' side.
  return converse(SOME_EVERY[restrictorRow(converse(restrictor))]![relationIndex(converse(scope))]!);
}

/** "no" is negated "some" and "not every" negated "every" (the negation then applies over the whole phrase). */
export function splitQuantifier(q: Quantifier): { base: BaseQuantifier; negated: boolean } {
  switch (q) {
    case 'some':
      return { base: 'some', negated: false };
    case 'no':
      return { base: 'some', negated: true };
    case 'every':
      return { base: 'every', negated: false };
    case 'notevery':
      return { base: 'every', negated: true };
  }
}

/**
 * Relation of two words in the same slot ('' is the empty word ε): the same word ≡; a word against ε ⊏ (dropping a
 * modifier generalises); ε against a word ⊐; two different words # (content words are arbitrary tokens).
 */
export function lexicalRelation(premiseWord: string, hypothesisWord: string): Relation {
  const p = premiseWord === EMPTY ? '' : premiseWord;
  const h = hypothesisWord === EMPTY ? '' : hypothesisWord;
  if (p === h) return 'equivalence';
  if (h === '') return 'forward';
  if (p === '') return 'reverse';
  return 'independence';
}

/** A modifier over a head: the modifier's relation when the heads are the same word, otherwise #. */
export function phraseRelation(modifier: Relation, head: Relation): Relation {
  return head === 'equivalence' ? modifier : 'independence';
}

/** The 3-way labels, index = the id Interchange (IC) uses. */
export const LABELS = ['neutral', 'entailment', 'contradiction'] as const;
export type MqnliLabel = (typeof LABELS)[number];

/** {≡, ⊏} entailment; {^, |} contradiction; {⊐, ‿, #} neutral. */
export function labelOf(r: Relation): MqnliLabel {
  if (r === 'equivalence' || r === 'forward') return 'entailment';
  if (r === 'negation' || r === 'alternation') return 'contradiction';
  return 'neutral';
}

export function labelId(label: MqnliLabel): 0 | 1 | 2 {
  return LABELS.indexOf(label) as 0 | 1 | 2;
}

/** One sentence of the template; '' marks an empty adjective or adverb (ε, written 'emptystring' in files). */
export interface MqnliSentence {
  subjectQ: Quantifier;
  subjectAdj: string;
  subjectNoun: string;
  /** "does not" before the verb phrase. */
  negated: boolean;
  adverb: string;
  verb: string;
  objectQ: Quantifier;
  objectAdj: string;
  objectNoun: string;
}

export interface MqnliPair {
  premise: MqnliSentence;
  hypothesis: MqnliSentence;
}

/** Everything below the determiners, which is all an encoding records of the words. */
export interface LexicalRelations {
  subjectAdj: Relation;
  subjectNoun: Relation;
  adverb: Relation;
  verb: Relation;
  objectAdj: Relation;
  objectNoun: Relation;
}

/** The inputs of the composition: quantifiers, verb negations and the six lexical relations. */
export interface CompositionInputs {
  premise: { subjectQ: Quantifier; negated: boolean; objectQ: Quantifier };
  hypothesis: { subjectQ: Quantifier; negated: boolean; objectQ: Quantifier };
  lexical: LexicalRelations;
}

/** Every node of the model, leaves to root. */
export interface Composition {
  lexical: LexicalRelations;
  subjNP: Relation;
  objNP: Relation;
  VP: Relation;
  /** Relation of "Adv V Q_O Adj_O N_O": NegSig(objNeg)[DetSig(objQ)[objNP, VP]]. */
  QP_obj: Relation;
  /** QP_obj under the verb negation ("does not"). */
  negP: Relation;
  root: Relation;
  label: MqnliLabel;
  /** IC's label id: neutral 0, entailment 1, contradiction 2. */
  labelId: 0 | 1 | 2;
}

/** Quantifier phrase: NegSig(Q's negation)[DetSig(Q's base)[restrictor, scope]], with no = ¬some, notevery = ¬every. */
export function quantifierRelation(
  premiseQ: Quantifier,
  hypothesisQ: Quantifier,
  restrictor: Relation,
  scope: Relation,
): Relation {
  const p = splitQuantifier(premiseQ);
  const h = splitQuantifier(hypothesisQ);
  return negSig(p.negated, h.negated, detSig(p.base, h.base, restrictor, scope));
}

/** Compose from quantifiers, negations and lexical relations (what an encoding holds). */
export function composeInputs(inputs: CompositionInputs): Composition {
  const { premise: p, hypothesis: h, lexical } = inputs;
  const subjNP = phraseRelation(lexical.subjectAdj, lexical.subjectNoun);
  const objNP = phraseRelation(lexical.objectAdj, lexical.objectNoun);
  const VP = phraseRelation(lexical.adverb, lexical.verb);
  const QP_obj = quantifierRelation(p.objectQ, h.objectQ, objNP, VP);
  const negP = negSig(p.negated, h.negated, QP_obj);
  const root = quantifierRelation(p.subjectQ, h.subjectQ, subjNP, negP);
  const label = labelOf(root);
  return { lexical, subjNP, objNP, VP, QP_obj, negP, root, label, labelId: labelId(label) };
}

export function lexicalRelations(premise: MqnliSentence, hypothesis: MqnliSentence): LexicalRelations {
  return {
    subjectAdj: lexicalRelation(premise.subjectAdj, hypothesis.subjectAdj),
    subjectNoun: lexicalRelation(premise.subjectNoun, hypothesis.subjectNoun),
    adverb: lexicalRelation(premise.adverb, hypothesis.adverb),
    verb: lexicalRelation(premise.verb, hypothesis.verb),
    objectAdj: lexicalRelation(premise.objectAdj, hypothesis.objectAdj),
    objectNoun: lexicalRelation(premise.objectNoun, hypothesis.objectNoun),
  };
}

/** The natural-logic relation of a premise/hypothesis pair, with every intermediate node. */
export function compose(premise: MqnliSentence, hypothesis: MqnliSentence): Composition {
  return composeInputs({
    premise: { subjectQ: premise.subjectQ, negated: premise.negated, objectQ: premise.objectQ },
    hypothesis: { subjectQ: hypothesis.subjectQ, negated: hypothesis.negated, objectQ: hypothesis.objectQ },
    lexical: lexicalRelations(premise, hypothesis),
  });
}
