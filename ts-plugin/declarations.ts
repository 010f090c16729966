/**
 * The declarations IIT Studio ships for experiment files (dist/types, emitted
 * by scripts/build.mjs) and the module names they answer for: the ones the
 * experiment loader (server/engine/loader.ts) provides at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as ts from 'typescript';

/** Module names the loader provides, and their declaration file under dist/types. */
export const PROVIDED: Readonly<Record<string, string>> = {
  'iit-studio': 'engine/index.d.ts',
  'iit-studio/pvr': 'pvr/index.d.ts',
  'iit-studio/mqnli': 'mqnli/index.d.ts',
  'iit-studio/reascan': 'reascan/index.d.ts',
};

/** TensorFlow.js names the loader maps to the engine's own instance: typed by the tfjs the declarations use. */
export const TFJS: readonly string[] = ['@tensorflow/tfjs', '@tensorflow/tfjs-core'];

/**
 * The IIT Studio package folder at or above `from` that holds the declarations (the installed extension, or this
 * repository after a build), or undefined. Walks up because the plugin runs from `node_modules/<plugin>/dist` in the
 * extension but from `ts-plugin/dist` (the symlink's target) in a checkout.
 */
export function findPackageRoot(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'dist', 'types', PROVIDED['iit-studio']!))) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
        if (pkg.name === 'iit-studio') return dir;
      } catch {
        // no package.json here: keep walking
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Forward slashes, as TypeScript writes file names. */
const slashes = (p: string) => p.split(path.sep).join('/');

/** Whether a resolution the project made itself should stand: it found TypeScript or declarations. */
export function resolvedWithTypes(r: ts.ResolvedModuleFull | undefined): boolean {
  return !!r && !/^\.[mc]?jsx?$/.test(r.extension);
}

export class Declarations {
  /** dist/types, with forward slashes. */
  readonly typesDir: string;
  private readonly root: string;
  private readonly caseSensitive: boolean;
  private readonly cache = new Map<string, ts.ResolvedModuleFull | undefined>();

  constructor(
    private readonly tsm: typeof ts,
    root: string,
    private readonly host: ts.ModuleResolutionHost,
  ) {
    this.root = slashes(root);
    this.typesDir = `${this.root}/dist/types`;
    this.caseSensitive = tsm.sys?.useCaseSensitiveFileNames ?? true;
  }

  /**
   * What `name`, imported from `containingFile`, resolves to when the project itself could not resolve it: the
   * loader's modules (from anywhere) and, inside this package (the declarations and the TensorFlow.js declarations
   * they import), any name resolved as Node resolves it from there, whatever resolution mode the user's project
   * uses. Undefined: not ours to answer.
   */
  resolve(name: string, containingFile: string): ts.ResolvedModuleFull | undefined {
    const own = PROVIDED[name];
    if (own !== undefined) {
      return {
        resolvedFileName: `${this.typesDir}/${own}`,
        extension: this.tsm.Extension.Dts,
        isExternalLibraryImport: true,
      };
    }
    if (TFJS.includes(name)) return this.fromInside(name, `${this.typesDir}/engine/tf.d.ts`);
    if (this.inside(containingFile)) return this.fromInside(name, containingFile);
    return undefined;
  }

  private inside(file: string): boolean {
    const f = this.caseSensitive ? file : file.toLowerCase();
    const r = this.caseSensitive ? this.root : this.root.toLowerCase();
    return f.startsWith(`${r}/`);
  }

  private fromInside(name: string, containingFile: string): ts.ResolvedModuleFull | undefined {
    const key = `${name}\0${path.posix.dirname(containingFile)}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const options: ts.CompilerOptions = {
      // Node10 reads package.json "types"/"typings", as TensorFlow.js's packages need.
      moduleResolution: this.tsm.ModuleResolutionKind.Node10 ?? this.tsm.ModuleResolutionKind.NodeJs,
      target: this.tsm.ScriptTarget.ES2022,
    };
    const found = this.tsm.resolveModuleName(name, containingFile, options, this.host).resolvedModule;
    const r = resolvedWithTypes(found) ? { ...found!, isExternalLibraryImport: true } : undefined;
    this.cache.set(key, r);
    return r;
  }
}
