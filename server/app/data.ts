/**
 * `iit-studio data`: the data sets IIT Studio generates and reads, checked against the model that labels them, and
 * written for others to use. One entry per data set kind (MQNLI now; ReaSCAN joins here).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { checkMqnliFile, generateMqnli, writeMqnliJsonl } from '../data/mqnli/index';
import { IITError } from '../engine/errors';

export const DATA_KINDS = ['mqnli'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface DataDisagreement {
  line: number;
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

/** Recompute every example's label (and codes) from its sentences and compare with the file. */
export function checkDataFile(kind: DataKind, file: string): DataCheck {
  const r = checkMqnliFile(file);
  return {
    kind,
    file,
    total: r.total,
    agree: r.agree,
    checked: 'labels by the natural-logic model, codes from the sentences',
    disagreements: r.disagreements.map((d) => ({
      line: d.line,
      given: `${d.label} [${d.codes.join(',')}]`,
      computed: `${d.computed} [${d.computedCodes.join(',')}]`,
      example: `${d.premise} / ${d.hypothesis}`,
    })),
  };
}

export interface GenerateRequest {
  kind: DataKind;
  /** Folder for train.jsonl, validation.jsonl and test.jsonl. */
  dir: string;
  train: number;
  validation: number;
  test: number;
  seed: number;
}

/** Generate the hardest split and write one JSONL file per split (each atomically); returns the files. */
export function generateData(req: GenerateRequest): Record<'train' | 'validation' | 'test', string> {
  const data = generateMqnli({ train: req.train, validation: req.validation, test: req.test, seed: req.seed });
  mkdirSync(req.dir, { recursive: true });
  const files = {
    train: path.join(req.dir, 'train.jsonl'),
    validation: path.join(req.dir, 'validation.jsonl'),
    test: path.join(req.dir, 'test.jsonl'),
  };
  for (const s of ['train', 'validation', 'test'] as const) writeMqnliJsonl(files[s], data[s]);
  return files;
}
