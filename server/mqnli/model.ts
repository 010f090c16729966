/**
 * The causal model C^QPObj_NatLog of the paper (§6): the words of premise and hypothesis as inputs, one intermediate
 * variable QP_obj (the natural-logic relation between the two quantified verb phrases "Adv V Q_O Adj_O N_O", seven
 * values) and the label. QP_obj depends on the object-side words only; the label on QP_obj and the subject side, so an
 * interchange of QP_obj keeps the base's subject and negation and takes the source's verb-phrase relation.
 *
 * Inputs are words (ε is the token 'emptystring'), named P_/H_ + slot: a setting reads as the sentence pair.
 */
import { causalModel, type CausalModel, type Setting } from '../engine/causal';
import { bool, oneOf } from '../engine/values';
import { DETERMINERS, EMPTY, LEXICON, type MqnliLexicon, type Quantifier } from '../data/mqnli/lexicon';
import {
  LABELS,
  RELATIONS,
  RELATION_SYMBOLS,
  labelOf,
  lexicalRelation,
  negSig,
  phraseRelation,
  quantifierRelation,
  relationOfSymbol,
  symbolOf,
  type MqnliLabel,
  type MqnliPair,
  type MqnliSentence,
  type RelationSymbol,
} from '../data/mqnli/natlog';

/** The template's nine slots, in sentence order. */
export const MQNLI_SLOTS = ['QS', 'AdjS', 'NS', 'Neg', 'Adv', 'V', 'QO', 'AdjO', 'NO'] as const;
export type MqnliSlot = (typeof MQNLI_SLOTS)[number];

/** The slots QP_obj reads: the quantified verb phrase. */
export const QP_OBJ_SLOTS = ['Adv', 'V', 'QO', 'AdjO', 'NO'] as const satisfies readonly MqnliSlot[];

const side = (prefix: 'P' | 'H') => MQNLI_SLOTS.map((s) => `${prefix}_${s}` as const);
export const MQNLI_INPUTS = [...side('P'), ...side('H')];

export type MqnliValues = {
  [K in `${'P' | 'H'}_${'QS' | 'QO'}`]: Quantifier;
} & {
  [K in `${'P' | 'H'}_${'AdjS' | 'NS' | 'Adv' | 'V' | 'AdjO' | 'NO'}`]: string;
} & {
  P_Neg: boolean;
  H_Neg: boolean;
  /** The relation between the two quantified verb phrases: ≡ ⊏ ⊐ ^ ‿ | #. */
  QP_obj: RelationSymbol;
  label: MqnliLabel;
};

/** The setting of a sentence pair's inputs. */
export function settingOf(pair: MqnliPair): Setting<MqnliValues> {
  const one = (prefix: 'P' | 'H', s: MqnliSentence) => ({
    [`${prefix}_QS`]: s.subjectQ,
    [`${prefix}_AdjS`]: s.subjectAdj || EMPTY,
    [`${prefix}_NS`]: s.subjectNoun,
    [`${prefix}_Neg`]: s.negated,
    [`${prefix}_Adv`]: s.adverb || EMPTY,
    [`${prefix}_V`]: s.verb,
    [`${prefix}_QO`]: s.objectQ,
    [`${prefix}_AdjO`]: s.objectAdj || EMPTY,
    [`${prefix}_NO`]: s.objectNoun,
  });
  return { ...one('P', pair.premise), ...one('H', pair.hypothesis) } as Setting<MqnliValues>;
}

/** The sentence pair of a setting (every input given). */
export function pairOf(x: Setting<MqnliValues>): MqnliPair {
  const one = (prefix: 'P' | 'H'): MqnliSentence => {
    const v = (slot: MqnliSlot) => (x as Record<string, unknown>)[`${prefix}_${slot}`];
    const w = (slot: MqnliSlot) => {
      const s = v(slot) as string;
      return s === EMPTY ? '' : s;
    };
    return {
      subjectQ: v('QS') as Quantifier,
      subjectAdj: w('AdjS'),
      subjectNoun: w('NS'),
      negated: v('Neg') as boolean,
      adverb: w('Adv'),
      verb: w('V'),
      objectQ: v('QO') as Quantifier,
      objectAdj: w('AdjO'),
      objectNoun: w('NO'),
    };
  };
  return { premise: one('P'), hypothesis: one('H') };
}

/** QP_obj's equation: DetSig of the object quantifiers over (object NP, VP), under the quantifiers' negations. */
export function qpObjOf(x: Partial<MqnliValues>): RelationSymbol {
  const objNP = phraseRelation(lexicalRelation(x.P_AdjO!, x.H_AdjO!), lexicalRelation(x.P_NO!, x.H_NO!));
  const vp = phraseRelation(lexicalRelation(x.P_Adv!, x.H_Adv!), lexicalRelation(x.P_V!, x.H_V!));
  return symbolOf(quantifierRelation(x.P_QO!, x.H_QO!, objNP, vp));
}

/** The label's equation: QP_obj under the verb negations, then the subject's quantifier phrase over it. */
export function labelFrom(x: Partial<MqnliValues>): MqnliLabel {
  const negP = negSig(x.P_Neg!, x.H_Neg!, relationOfSymbol(x.QP_obj!));
  const subjNP = phraseRelation(lexicalRelation(x.P_AdjS!, x.H_AdjS!), lexicalRelation(x.P_NS!, x.H_NS!));
  return labelOf(quantifierRelation(x.P_QS!, x.H_QS!, subjNP, negP));
}

/** C^QPObj_NatLog over a lexicon's words (default IIT Studio's own 100-word lists). */
export function mqnliCausalModel(lexicon: MqnliLexicon = LEXICON): CausalModel<MqnliValues> {
  const q = oneOf(...DETERMINERS);
  const words = (list: readonly string[], optional: boolean) => oneOf(...(optional ? [EMPTY, ...list] : list));
  const sets = {
    QS: q,
    AdjS: words(lexicon.subjectAdjectives, true),
    NS: words(lexicon.agents, false),
    Neg: bool,
    Adv: words(lexicon.adverbs, true),
    V: words(lexicon.verbs, false),
    QO: q,
    AdjO: words(lexicon.objectAdjectives, true),
    NO: words(lexicon.things, false),
  };
  const inputs = Object.fromEntries(
    (['P', 'H'] as const).flatMap((p) => MQNLI_SLOTS.map((s) => [`${p}_${s}`, { values: sets[s] }])),
  );
  const qpParents = (['P', 'H'] as const).flatMap((p) => QP_OBJ_SLOTS.map((s) => `${p}_${s}`));
  const labelParents = [
    'QP_obj',
    ...(['P', 'H'] as const).flatMap((p) => (['QS', 'AdjS', 'NS', 'Neg'] as const).map((s) => `${p}_${s}`)),
  ];
  return causalModel<MqnliValues>({
    ...inputs,
    QP_obj: { values: oneOf(...RELATION_SYMBOLS), parents: qpParents, f: qpObjOf },
    label: { values: oneOf(...LABELS), parents: labelParents, f: labelFrom },
  } as never);
}

/** QP_obj's values in the order of its value set (the seven relations). */
export const QP_OBJ_VALUES = RELATIONS.map(symbolOf);
