/**
 * MQNLI for experiment files, imported as 'iit-studio/mqnli' (paper §6, Figure 4): C^QPObj_NatLog, its data (the
 * hardest split, generated or read from JSONL), the QP_obj alignment, a BERT-shaped encoder and the layer sweep.
 */
export {
  MQNLI_INPUTS,
  MQNLI_SLOTS,
  QP_OBJ_SLOTS,
  QP_OBJ_VALUES,
  mqnliCausalModel,
  settingOf,
  pairOf,
  qpObjOf,
  labelFrom,
  type MqnliValues,
  type MqnliSlot,
} from './model';
export { mqnliData, type MqnliData, type MqnliDataOptions } from './data';
export {
  qpObjAlignment,
  layerSweep,
  sweptName,
  mqnliEncoder,
  FIGURE4_PRESETS,
  type MqnliEncoderOptions,
} from './configs';
export { loadBertCheckpoint, readVocab, wordpieceCheck, type BertCheckpoint } from '../data/bert';
export {
  compose,
  generateMqnli,
  readMqnliJsonl,
  writeMqnliJsonl,
  checkMqnliFile,
  tokensOf,
  PREMISE_VERB_POSITION,
  SEQUENCE_LENGTH,
  type MqnliExample,
  type MqnliPair,
  type MqnliSentence,
} from '../data/mqnli/index';
