/**
 * `iit-studio data`: the data sets IIT Studio generates and reads, checked against the model that labels them, and
 * written for others to use. One entry per data set kind: MQNLI (JSONL, labels by the natural-logic model) and
 * ReaSCAN (its original JSON, action sequences by the simulator).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { checkMqnliFile, generateMqnli, writeMqnliJsonl } from '../data/mqnli/index';
import {
  checkReascanFile,
  generateReascanDataset,
  writeReascanFile,
  type ReascanDatasetKind,
} from '../data/reascan/index';
import { IITError } from '../engine/errors';

export const DATA_KINDS = ['mqnli', 'reascan'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export const REASCAN_DATASETS: readonly ReascanDatasetKind[] = ['attribute', 'length', 'direction', 'figure3b'];

export interface DataDisagreement {
  /** Where in the file: a line (JSONL) or an example of a split (ReaSCAN's JSON). */
  at: { line: number } | { split: string; index: number };
  /** What the file says and what the model computes, each in a few words. */
  given: string;
  computed: string;
  /** The example, as the file writes it. */
  example: string;
}

export interface DataCheck {
  kind: DataKind;
  file: string;
  total: number;
  agree: number;
  /** The first disagreements, in file order. */
  disagreements: DataDisagreement[];
  /** What was recomputed, in a phrase. */
  checked: string;
}

export function dataKind(kind: string | undefined): DataKind {
  if (!kind || !(DATA_KINDS as readonly string[]).includes(kind))
    throw new IITError(
      'bad-config',
      kind ? `data: no data set kind '${kind}'` : 'data: name the data set kind',
      `use one of ${DATA_KINDS.join(', ')}: iit-studio data mqnli FILE --check`,
    );
  return kind as DataKind;
}

/** Recompute every example's label (MQNLI) or action sequence (ReaSCAN) and compare with the file. */
export function checkDataFile(kind: DataKind, file: string): DataCheck {
  if (kind === 'reascan') {
    const r = checkReascanFile(file);
    return {
      kind,
      file,
      total: r.total,
      agree: r.agree,
      checked: 'target_commands by the simulator from each situation, verb and adverb',
      disagreements: r.disagreements.map((d) => ({
        at: { split: d.split, index: d.index },
        given: d.given,
        computed: d.computed,
        example: d.command,
      })),
    };
  }
  const r = checkMqnliFile(file);
  return {
    kind,
    file,
    total: r.total,
    agree: r.agree,
    checked: 'labels by the natural-logic model, codes from the sentences',
    disagreements: r.disagreements.map((d) => ({
      at: { line: d.line },
      given: `${d.label} [${d.codes.join(',')}]`,
      computed: `${d.computed} [${d.computedCodes.join(',')}]`,
      example: `${d.premise} / ${d.hypothesis}`,
    })),
  };
}

export interface GenerateRequest {
  kind: DataKind;
  /** MQNLI: a folder for train/validation/test.jsonl; ReaSCAN: the data file. */
  out: string;
  seed: number;
  /** MQNLI's split sizes. */
  train?: number;
  validation?: number;
  test?: number;
  /** ReaSCAN: which data set (attribute: novel colour and size; length; direction) and worlds per command. */
  dataset?: ReascanDatasetKind;
  worlds?: number;
}

/** Generate a data set and write it (each file atomically); returns the files written. */
export function generateData(req: GenerateRequest): string[] {
  if (req.kind === 'reascan') {
    const dataset = req.dataset ?? 'attribute';
    if (!REASCAN_DATASETS.includes(dataset))
      throw new IITError(
        'bad-config',
        `data reascan: no data set '${dataset}'`,
        `use --dataset ${REASCAN_DATASETS.join(' | ')}`,
      );
    mkdirSync(path.dirname(path.resolve(req.out)), { recursive: true });
    const ds = generateReascanDataset(dataset, {
      seed: req.seed,
      ...(req.worlds !== undefined ? { worldsPerCommand: req.worlds } : {}),
    });
    writeReascanFile(req.out, ds);
    return [req.out];
  }
  const data = generateMqnli({
    train: req.train ?? 500_000,
    validation: req.validation ?? 10_000,
    test: req.test ?? 10_000,
    seed: req.seed,
  });
  mkdirSync(req.out, { recursive: true });
  return (['train', 'validation', 'test'] as const).map((s) => {
    const f = path.join(req.out, `${s}.jsonl`);
    writeMqnliJsonl(f, data[s]);
    return f;
  });
}
