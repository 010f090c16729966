/**
 * The keys an experiment declaration may have, level by level, so that a typo
 * (`training: { stpes: 20 }`) is an error naming the key's own line and the
 * nearest valid name instead of a silently ignored setting. Only plain object
 * literals are checked: functions, the causal model, splits and arrays are
 * left to the checks that know them. (A hand-written check rather than a
 * schema library: most of a declaration is functions and class instances.)
 */
import { IITError, type SourceLocation } from './errors';
import type { AlignmentEntry } from './alignment';
import type { BoundlessDecl, MaskDecl, SubspaceDecl, TemperatureDecl } from './interventions';
import type {
  ConfigDecl,
  DatasetDecl,
  EvaluationDecl,
  ExperimentDecl,
  ObjectivesDecl,
  ProbeDecl,
  SamplingDecl,
  TrainingDecl,
} from './experiment';
import type { OptimizerDecl, ScheduleDecl } from './optim';
import { readFileSync } from 'node:fs';

type KeysOf<T> = T extends unknown ? keyof T : never;
/** Every key of T, no more and no less (a compile error when the public types and these lists drift apart). */
function keys<T>() {
  return <const K extends readonly KeysOf<T>[]>(
    ...k: K & ([Exclude<KeysOf<T>, K[number]>] extends [never] ? unknown : { missing: Exclude<KeysOf<T>, K[number]> })
  ): readonly string[] => k as readonly string[];
}

/** A level of the declaration: its keys and what each key's value holds; `each`: a record of named entries. */
interface Shape {
  keys?: readonly string[];
  children?: Record<string, Shape>;
  each?: Shape;
}

const sampling: Shape = {
  keys: keys<SamplingDecl>()('intervention', 'impactful', 'guard', 'sourcesPerBase', 'bases'),
};
const evalSampling: Shape = {
  keys: keys<Omit<SamplingDecl, 'intervention' | 'bases'>>()('impactful', 'guard', 'sourcesPerBase'),
};
const subspace: Shape = { keys: keys<SubspaceDecl>()('dims', 'offset', 'init') };
const temperature: Shape = { keys: keys<TemperatureDecl>()('from', 'to') };
const alignment: Shape = {
  each: {
    keys: keys<AlignmentEntry>()('site', 'slice', 'rotate', 'lowRank', 'boundless', 'mask'),
    children: {
      rotate: subspace,
      lowRank: subspace,
      boundless: { keys: keys<BoundlessDecl>()('dims', 'offset', 'init', 'temperature'), children: { temperature } },
      mask: { keys: keys<MaskDecl>()('temperature'), children: { temperature } },
    },
  },
};

const config: Shape = {
  keys: keys<ConfigDecl>()('description', 'objectives', 'probe', 'training', 'evaluation', 'alignment'),
  children: {
    objectives: { keys: keys<ObjectivesDecl>()('task', 'iit', 'typedIit', 'probe', 'augment') },
    probe: { keys: keys<ProbeDecl>()('kind', 'rank', 'variables') },
    training: {
      keys: keys<TrainingDecl>()(
        'optimizer',
        'schedule',
        'batchSize',
        'steps',
        'epochs',
        'pairs',
        'evalEvery',
        'until',
        'sampling',
        'freeze',
      ),
      children: {
        optimizer: {
          keys: keys<OptimizerDecl>()('type', 'lr', 'momentum', 'weightDecay', 'beta1', 'beta2', 'eps'),
        },
        schedule: { keys: keys<ScheduleDecl>()('type', 'every', 'gamma', 'warmup', 'total') },
        until: { keys: keys<NonNullable<TrainingDecl['until']>>()('iia', 'behavioral') },
        sampling,
      },
    },
    evaluation: {
      keys: keys<EvaluationDecl>()('splits', 'pairs', 'before', 'exactLimit', 'sampling'),
      children: { sampling: evalSampling },
    },
    alignment,
  },
};

const experimentShape: Shape = {
  keys: keys<ExperimentDecl<Record<string, never>>>()(
    'name',
    'model',
    'network',
    'encode',
    'encodeBatch',
    'alignment',
    'output',
    'data',
    'dataset',
    'configs',
    'guard',
    'augment',
    'tokens',
    'description',
    'objectives',
    'probe',
    'training',
    'evaluation',
  ),
  children: {
    ...config.children,
    output: {
      keys: keys<NonNullable<ExperimentDecl<Record<string, never>>['output']>>()('variable', 'loss', 'teacher'),
    },
    dataset: { keys: keys<DatasetDecl>()('name', 'source') },
    configs: { each: config },
  },
};

/** Edit distance with transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The valid name nearest a misspelt one, or undefined when none is close. */
export function nearestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const v of valid) {
    const dist = v.toLowerCase() === name.toLowerCase() ? 0.5 : distance(name, v);
    if (dist < bestD) [best, bestD] = [v, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) && bestD < name.length
    ? best
    : undefined;
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  !!v &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** The first unknown key of a declaration: its path from the top and the keys valid where it sits. */
function unknownKey(
  v: unknown,
  shape: Shape,
  path: string[],
): { path: string[]; valid: readonly string[] } | undefined {
  if (!isPlain(v)) return undefined;
  for (const [k, x] of Object.entries(v)) {
    if (shape.each) {
      const bad = unknownKey(x, shape.each, [...path, k]);
      if (bad) return bad;
      continue;
    }
    if (shape.keys && !shape.keys.includes(k)) return { path: [...path, k], valid: shape.keys };
    const child = shape.children?.[k];
    const bad = child && unknownKey(x, child, [...path, k]);
    if (bad) return bad;
  }
  return undefined;
}

/**
 * Rejects the first unknown key of a declaration: "training.stpes: unknown key; did you mean steps?",
 * located on the key's line when the experiment file writes it out (else on the `experiment(` call).
 */
export function checkDeclarationKeys(decl: unknown, location?: SourceLocation): void {
  const bad = unknownKey(decl, experimentShape, []);
  if (!bad) return;
  const key = bad.path.at(-1)!;
  const near = nearestName(key, bad.valid);
  const where = location ? keyLocation(location, bad.path) : undefined;
  throw new IITError(
    'bad-config',
    `${bad.path.join('.')}: unknown key${near ? `; did you mean ${near}?` : ''}`,
    `use one of ${bad.valid.join(', ')}`,
    where ?? location,
  );
}

/** Where the file writes the key at `path` inside the `experiment({...})` call at `call` (or its deepest parent found). */
export function keyLocation(call: SourceLocation, path: string[]): SourceLocation | undefined {
  let text: string;
  try {
    text = readFileSync(call.file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let i = lines.slice(0, call.line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, call.column - 1);
  i = text.indexOf('(', i);
  if (i < 0) return undefined;
  i = skipSpace(text, i + 1);
  if (text[i] !== '{') return undefined;
  let found: number | undefined;
  for (const k of path) {
    const at = findKey(text, i, k);
    if (!at) break;
    found = at.key;
    i = skipSpace(text, at.value);
    if (text[i] !== '{') break;
  }
  if (found === undefined) return undefined;
  const before = text.slice(0, found).split('\n');
  return { file: call.file, line: before.length, column: before.at(-1)!.length + 1 };
}

/** Past white space and comments. */
function skipSpace(t: string, i: number): number {
  for (;;) {
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t.startsWith('//', i)) i = t.indexOf('\n', i) < 0 ? t.length : t.indexOf('\n', i);
    else if (t.startsWith('/*', i)) i = t.indexOf('*/', i) < 0 ? t.length : t.indexOf('*/', i) + 2;
    else return i;
  }
}

/** Past a string or template literal starting at i. */
function skipString(t: string, i: number): number {
  const q = t[i]!;
  for (i++; i < t.length && t[i] !== q; i++) if (t[i] === '\\') i++;
  return i + 1;
}

/** To the `,` or closing bracket that ends the expression starting at i. */
function skipExpression(t: string, i: number): number {
  let depth = 0;
  while (i < t.length) {
    i = skipSpace(t, i);
    const c = t[i];
    if (c === undefined) break;
    if (c === '"' || c === "'" || c === '`') i = skipString(t, i);
    else if ('([{'.includes(c)) {
      depth++;
      i++;
    } else if (')]}'.includes(c)) {
      if (depth === 0) return i;
      depth--;
      i++;
    } else if (c === ',' && depth === 0) return i;
    else i++;
  }
  return i;
}

/** The key `name` of the object literal opening at `open`: the offset of its name and of its value. */
function findKey(t: string, open: number, name: string): { key: number; value: number } | undefined {
  let i = open + 1;
  while (i < t.length) {
    i = skipSpace(t, i);
    if (t[i] === '}' || i >= t.length) return undefined;
    if (t[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    let key: string | undefined;
    if (t[i] === '"' || t[i] === "'") {
      i = skipString(t, i);
      key = t.slice(start + 1, i - 1);
    } else {
      const m = /^[A-Za-z_$][\w$]*/.exec(t.slice(i, i + 200));
      if (m) {
        key = m[0];
        i += key.length;
      }
    }
    const after = skipSpace(t, i);
    if (key === name && t[after] === ':') return { key: start, value: after + 1 };
    i = skipExpression(t, key === undefined ? start + (t[start] === '[' ? 0 : 1) : i);
  }
  return undefined;
}
