/**
 * When the IIT server starts. Activation is cheap (a TypeScript workspace gets the sidebar's trees and the
 * commands); the server process starts only for IIT work: a workspace file or an opened document that imports
 * 'iit-studio', an IIT view shown, an IIT command run, a debug session of type `iit`. Ctx.ensureStarted is the
 * one owner of the start; this module holds the pure parts (no `vscode`): what counts as an experiment import and
 * how much of a workspace is read to find one.
 */

/** `from 'iit-studio'`, `from "iit-studio/pvr"`, `import 'iit-studio'`, `import('iit-studio')`, `require('iit-studio')`. */
const IIT_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]iit-studio(?:\/[^'"\n]*)?['"]/;

/** The files the workspace scan lists at most, and the characters of each it reads (imports come first). */
export const SCAN_MAX_FILES = 500;
export const SCAN_MAX_CHARS = 64 * 1024;
export const SCAN_INCLUDE = '**/*.{ts,mts,cts}';
export const SCAN_EXCLUDE = '{**/node_modules/**,**/dist/**,**/out/**,**/.iit/**,**/*.d.ts,**/*.d.mts,**/*.d.cts}';

/** Whether a TypeScript file's text imports 'iit-studio' (or one of its subpaths). */
export function importsIitStudio(text: string): boolean {
  return text.includes('iit-studio') && IIT_IMPORT.test(text.slice(0, SCAN_MAX_CHARS));
}

/** Whether a file name is TypeScript source (.ts, .mts, .cts; not a declaration file). */
export function isTypeScriptSource(fileName: string): boolean {
  return /\.[cm]?ts$/.test(fileName) && !/\.d\.[cm]?ts$/.test(fileName);
}
