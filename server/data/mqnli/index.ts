// MQNLI (Geiger et al. 2019): word lists, the natural-logic model, codes, the hardest split, the BERT token layout
// and the JSONL file format.
export * from './lexicon';
export * from './natlog';
export * from './encoding';
export * from './jsonl';
