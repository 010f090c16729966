/**
 * Loads an experiment file: esbuild bundles the TypeScript (so syntax errors
 * come with the file's line and column), the bundle runs as a CommonJS module
 * whose `iit-studio` and `@tensorflow/tfjs` imports resolve to this engine's
 * own instances, and errors thrown while it runs are mapped back to the
 * file's lines through the inline source map.
 */
import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { loadDeadlineSeconds, withDeadline } from './deadline';
import path from 'node:path';
import { build, type BuildFailure } from 'esbuild';
import { IITError, type SourceLocation } from './errors';
import { Experiment } from './experiment';
import { tf } from './tf';

process.setSourceMapsEnabled(true);

/** Further modules experiment files may import as `iit-studio/<name>` (e.g. `iit-studio/pvr`): server/app/modules.ts registers them. */
const modules = new Map<string, Record<string, unknown>>();

/** Makes `api` importable from experiment files as `id` (`iit-studio/<name>`). */
export function provideModule(id: string, a: Record<string, unknown>): void {
  modules.set(id, a);
}

export async function loadExperiment(file: string): Promise<Experiment> {
  // The engine's public API, as experiment files import it ('iit-studio'); imported here, not at the top, since
  // index imports this file.
  const api = (await import('./index')) as Record<string, unknown>;
  const abs = path.resolve(file);
  if (!existsSync(abs)) {
    throw new IITError('load', `experiment file not found: ${file}`, 'check the path', {
      file: abs,
      line: 1,
      column: 1,
    });
  }
  let code: string;
  try {
    const out = await build({
      entryPoints: [abs],
      // Beside the source, so the source map's relative paths resolve to the user's files.
      outfile: path.join(path.dirname(abs), '.iit-bundle.js'),
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      external: ['iit-studio', 'iit-studio/*', '@tensorflow/*', 'webgpu'],
      logLevel: 'silent',
    });
    code = out.outputFiles[0]!.text;
  } catch (e) {
    const err = (e as BuildFailure).errors?.[0];
    if (!err) throw e;
    const loc = err.location;
    throw new IITError(
      'syntax',
      err.text,
      loc?.lineText !== undefined ? `fix the code at: ${loc.lineText.trim()}` : undefined,
      loc
        ? { file: path.resolve(loc.file), line: loc.line, column: loc.column + 1 }
        : { file: abs, line: 1, column: 1 },
    );
  }

  const mod = new Module(abs) as Module & { _compile(code: string, file: string): void; paths: string[] };
  mod.filename = abs;
  mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(abs));
  const plainRequire = Object.assign(mod.require.bind(mod), {
    resolve: (id: string) => Module.createRequire(abs).resolve(id),
  });
  mod.require = Object.assign(
    (id: string) => {
      if (id === 'iit-studio') return api;
      if (id.startsWith('iit-studio/')) {
        const m = modules.get(id);
        if (!m)
          throw new Error(`module '${id}' is not available here (known: ${[...modules.keys()].join(', ') || 'none'})`);
        return m;
      }
      if (id === '@tensorflow/tfjs' || id === '@tensorflow/tfjs-core') return tf;
      return plainRequire(id);
    },
    { resolve: plainRequire.resolve, cache: {}, main: undefined, extensions: {} },
  ) as unknown as NodeJS.Require;
  // A file that ends the process while loading would end the CLI or a worker with no word: make it an error.
  const exit = process.exit;
  process.exit = ((code?: number | string | null) => {
    throw new ExitCalled(code);
  }) as typeof process.exit;
  const deadline = loadDeadlineSeconds();
  try {
    withDeadline(
      () => mod._compile(code, abs),
      deadline,
      () =>
        new IITError(
          'load',
          `the experiment file did not finish loading within ${deadline} s: its top level (or an equation it calls) may loop forever`,
          `make the loop end; a slow but finite file can have more time with IIT_LOAD_DEADLINE_S=${deadline * 4}`,
          { file: abs, line: 1, column: 1 },
        ),
    );
  } catch (e) {
    if (e instanceof IITError) throw refine(e);
    if (e instanceof ExitCalled)
      throw new IITError(
        'load',
        `the experiment file calls process.exit(${e.code ?? ''}) while loading`,
        'remove the call: IIT Studio loads the file and trains it itself',
        frameIn(e, abs) ?? { file: abs, line: 1, column: 1 },
      );
    const err = e as Error;
    throw new IITError(
      'load',
      `the experiment file throws while loading: ${err.message}`,
      'fix the code at this line',
      frameIn(err, abs) ?? { file: abs, line: 1, column: 1 },
    );
  } finally {
    process.exit = exit;
  }
  const exp = (mod.exports as { default?: unknown }).default;
  if (!(exp instanceof Experiment)) {
    throw new IITError(
      'no-default-export',
      exp === undefined ? 'the file has no default export' : 'the default export is not an experiment',
      'end the file with `export default experiment({ ... })`',
      { file: abs, line: 1, column: 1 },
    );
  }
  exp.file = abs;
  return exp;
}

/** What process.exit throws while an experiment file loads. */
class ExitCalled extends Error {
  constructor(readonly code: number | string | null | undefined) {
    super(`process.exit(${code ?? ''})`);
  }
}

/** The first stack frame inside `file` (source-mapped to its own lines). */
function frameIn(err: Error, file: string): SourceLocation | undefined {
  for (const l of err.stack?.split('\n') ?? []) {
    const i = l.indexOf(file + ':');
    if (i < 0) continue;
    const m = /:(\d+):(\d+)\)?\s*$/.exec(l.slice(i + file.length));
    if (m) return { file, line: +m[1]!, column: +m[2]! };
  }
  return undefined;
}

/**
 * Moves an error's location from the declaring call to the line that
 * declares its subject (the `V1:` entry of a model or alignment), searching
 * forward from the call.
 */
export function refine(e: IITError): IITError {
  const loc = e.location;
  if (!loc || !e.subject || !existsSync(loc.file)) return e;
  const lines = readFileSync(loc.file, 'utf8').split('\n');
  const section = e.message.startsWith('alignment:') ? /\balignment\s*:/ : undefined;
  const decl = new RegExp(`^(\\s*)['"]?${e.subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*:`);
  let start = loc.line - 1;
  if (section) {
    const s = lines.findIndex((l, i) => i >= start && section.test(l));
    if (s >= 0) start = s;
  }
  for (let i = start; i < lines.length; i++) {
    const m = decl.exec(lines[i]!);
    if (m) {
      e.location = { file: loc.file, line: i + 1, column: m[1]!.length + 1 };
      break;
    }
  }
  return e;
}
