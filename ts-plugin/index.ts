/**
 * IIT Studio's TypeScript server plugin (contributed in package.json as
 * `typescriptServerPlugins`; tsserver requires it by package name from the
 * extension's node_modules). Experiment files import 'iit-studio' and
 * 'iit-studio/pvr', which the experiment loader provides at run time but a
 * user's project usually cannot resolve: where the project's own resolution
 * fails, these names (and what the declarations import) resolve to the
 * declarations the extension ships in dist/types. A project that resolves
 * them itself (installed package, `paths`) keeps its resolution.
 *
 * tsserver calls module.exports as the factory: the build appends
 * `module.exports = module.exports.default`.
 */
import type * as ts from 'typescript';
import { Declarations, findPackageRoot, resolvedWithTypes } from './declarations';

type Host = ts.LanguageServiceHost;

/** Wraps the host's module resolution (TypeScript ≥ 5.0: resolveModuleNameLiterals; older: resolveModuleNames). */
function patchResolution(host: Host, decls: Declarations): boolean {
  const literals = host.resolveModuleNameLiterals?.bind(host);
  if (literals) {
    host.resolveModuleNameLiterals = (names, containingFile, ...rest) =>
      literals(names, containingFile, ...rest).map((r, i) => {
        if (resolvedWithTypes(r.resolvedModule)) return r;
        const ours = decls.resolve(names[i]!.text, containingFile);
        // The project's own result stays the base: its failed lookups are what tsserver watches, so a package
        // installed later takes over.
        return ours ? { ...r, resolvedModule: ours } : r;
      });
    return true;
  }
  const names = host.resolveModuleNames?.bind(host);
  if (names) {
    host.resolveModuleNames = (moduleNames, containingFile, ...rest) =>
      names(moduleNames, containingFile, ...rest).map((r, i) =>
        r && resolvedWithTypes({ extension: '.ts', ...r }) ? r : (decls.resolve(moduleNames[i]!, containingFile) ?? r),
      );
    return true;
  }
  return false;
}

export default function init(modules: { typescript: typeof ts }): ts.server.PluginModule {
  const tsm = modules.typescript;
  return {
    create(info) {
      const log = (message: string) => info.project.projectService.logger.info(`[iit-studio] ${message}`);
      const root = findPackageRoot(__dirname);
      if (!root) {
        log(`no declarations (dist/types) above ${__dirname}: build IIT Studio first`);
        return info.languageService;
      }
      const decls = new Declarations(tsm, root, info.serverHost);
      if (patchResolution(info.languageServiceHost, decls)) {
        log(`'iit-studio' and 'iit-studio/pvr' resolve to ${decls.typesDir} where the project does not resolve them`);
      } else {
        log('this TypeScript has no module resolution hook to extend: experiment files keep their resolution');
      }
      return info.languageService;
    },
  };
}
