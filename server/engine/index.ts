/**
 * The public API of IIT Studio's engine, imported by experiment files as
 * 'iit-studio'. Everything here is plain TypeScript over TensorFlow.js; the
 * engine never imports vscode.
 */
export {
  bool,
  range,
  oneOf,
  tuple,
  sequence,
  formatValue,
  type Value,
  type ValueSet,
  type SequenceSet,
} from './values';
export { causalModel, CausalModel, type ModelDecls, type VariableDecl, type Setting, type Swap } from './causal';
export {
  network,
  Network,
  NetworkBuilder,
  type Feeds,
  type Stage,
  type StageContext,
  type Initializer,
  type ParameterValues,
} from './network';
export { figure1Network, FIGURE1_START, mlp, type Figure1Params, type MlpOptions } from './networks';
export {
  resnet18,
  quadrantNet,
  patchEmbed,
  convBnRelu,
  maxPool,
  basicBlock,
  quadrants,
  BatchNorm,
  type ResNetOptions,
  type QuadrantNetOptions,
} from './convnets';
export { bertEncoder, gelu, type BertOptions } from './transformer';
export { lstmLayer, lstmStep, additiveAttention, type LstmOptions } from './recurrent';
export {
  Alignment,
  swapKey,
  type AlignmentDecl,
  type AlignmentEntry,
  type AlignedNeurons,
  type SitePatch,
} from './alignment';
export { interchangeForward, patchSite, type PairGroup, type InterchangeOutput } from './intervention';
export {
  INTERVENTIONS,
  HouseholderBasis,
  type InterventionKind,
  type InterventionKindName,
  type NeuronPatch,
  type SubspaceDecl,
  type SubspacePatch,
} from './interventions';
export {
  crossEntropy,
  predict,
  predictedLabels,
  decodedSequence,
  type OutputHead,
  type OutputLoss,
} from './objectives';
export { Optimizer, learningRate, scheduleForRun, type OptimizerDecl, type ScheduleDecl } from './optim';
export {
  experiment,
  Experiment,
  DEFAULT_CONFIG,
  type ExperimentDecl,
  type DatasetDecl,
  type ConfigDecl,
  type ResolvedConfig,
  type TrainingDecl,
  type EvaluationDecl,
  type ObjectivesDecl,
  type ExplicitPair,
  type ProbeDecl,
  type SamplingDecl,
  type PairGuardFn,
  type AugmentFn,
  type ObjectiveName,
  OBJECTIVES,
} from './experiment';
export { presets, PRESET_OBJECTIVES, PRESET_NAMES, type PresetName } from './presets';
export { Probes } from './probes';
export { Augmenter, augmentInput, inputAncestors, swapProblem } from './augment';
export { PairSampler, isImpactful, IMPACT_TRIES, GUARD_TRIES, type SampledPairs, type SamplerOptions } from './pairs';
export { Session } from './session';
export { SplitData, asSplit, type Split } from './data';
export { evaluate, matchPairs, type EvalOptions } from './evaluate';
export { train, Trainer, type TrainResult, type TrainHooks, type StepProgress } from './train';
export { wilson, type Metrics, type SplitMetrics, type IiaMetrics } from './metrics';
export { IITError, type SourceLocation, type ErrorCode } from './errors';
export { Rng } from './rng';
export { tf } from './tf';
export { loadExperiment, refine, provideModule } from './loader';
export { buildReport, type Report } from './report';
