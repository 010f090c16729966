/**
 * Whether a file is an experiment: a TypeScript file that default-exports an
 * `experiment(...)` call. The language server (which files to check, lens and
 * outline) and the extension (the Experiments view, the active editor's
 * experiment) ask this one question the same way.
 *
 * It reads the text, not the syntax tree, and imports nothing: the extension
 * asks it of every TypeScript file in the workspace when the Experiments view
 * opens, and loading the TypeScript compiler for that would add about half a
 * second to activation. The forms it knows are the ones ast.ts's
 * defaultExperimentCall follows (test/unit/source-index.test.ts checks they agree).
 */

const IDENT = '[A-Za-z_$][\\w$]*';
/** `export default experiment(` / `export default iit.experiment<…>(`, at the start of a line (not in a `//` comment). */
const DEFAULT_CALL = new RegExp(`^[ \\t]*export\\s+default\\s+(?:${IDENT}\\.)?experiment\\s*[<(]`, 'm');
/** `export default exp` (then `;`, `as …`, `satisfies …` or the line's end): the name of what is exported. */
const DEFAULT_NAME = new RegExp(`^[ \\t]*export\\s+default\\s+(${IDENT})(?=\\s*(?:;|$|as\\b|satisfies\\b))`, 'gm');
/** `export { exp as default }`. */
const AS_DEFAULT = new RegExp(`^[ \\t]*export\\s*\\{[^}]*?\\b(${IDENT})\\s+as\\s+default\\b`, 'gm');

/** Whether `name` is declared as `const name = experiment(...)` (let/var, typed or exported too). */
function boundToExperiment(text: string, name: string): boolean {
  const escaped = name.replace(/\$/g, '\\$');
  return new RegExp(
    `^[ \\t]*(?:export\\s+)?(?:const|let|var)\\s+${escaped}\\b[^=\\n]*=\\s*(?:${IDENT}\\.)?experiment\\s*[<(]`,
    'm',
  ).test(text);
}

/**
 * True when `text` default-exports `experiment(...)`, directly or through a same-file const.
 * `fileName` is a path or a URI; only its extension is read (.ts, .mts, .cts; not .d.ts).
 */
export function isExperimentSource(text: string, fileName: string): boolean {
  if (!/\.[cm]?ts$/.test(fileName) || /\.d\.[cm]?ts$/.test(fileName)) return false;
  if (!text.includes('experiment')) return false;
  if (DEFAULT_CALL.test(text)) return true;
  for (const re of [DEFAULT_NAME, AS_DEFAULT])
    for (const m of text.matchAll(re)) if (boundToExperiment(text, m[1]!)) return true;
  return false;
}
