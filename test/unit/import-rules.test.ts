/**
 * docs/ARCHITECTURE.md's import rules, enforced by eslint.config.mjs: a forbidden import fails the lint with a message
 * naming the rule, and the imports each folder is meant to use pass. The code is linted as if it were a file at
 * `filePath`, through the repository's own ESLint configuration.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });
const IMPORT_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

/** The import-rule messages for `code` at `filePath` (no other rule's), after checking that it parsed. */
async function importErrors(filePath: string, code: string): Promise<{ ruleId: string; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  assert.ok(result, filePath);
  const fatal = result.messages.filter((m) => m.fatal || m.ruleId === null);
  assert.deepEqual(fatal, [], `${filePath} did not lint`);
  return result.messages
    .filter((m) => m.ruleId !== null && IMPORT_RULES.has(m.ruleId))
    .map((m) => ({ ruleId: m.ruleId!, message: m.message }));
}

const forbidden: { name: string; filePath: string; code: string; rule: string; ruleId?: string }[] = [
  {
    name: 'protocol → engine (types too)',
    filePath: 'server/protocol/x.ts',
    code: "import type { Metrics } from '../engine/metrics';\nexport type M = Metrics;\n",
    rule: 'server/protocol',
  },
  {
    name: 'protocol → node',
    filePath: 'server/protocol/x.ts',
    code: "import path from 'node:path';\nexport const sep = path.sep;\n",
    rule: 'server/protocol',
  },
  {
    name: 'engine → protocol',
    filePath: 'server/engine/x.ts',
    code: "import type { Report } from '../protocol/results';\nexport type R = Report;\n",
    rule: 'server/engine',
  },
  {
    name: 'engine (a subfolder) → protocol',
    filePath: 'server/engine/interventions/x.ts',
    code: "import type { Report } from '../../protocol/results';\nexport type R = Report;\n",
    rule: 'server/engine',
  },
  {
    name: 'extension → engine',
    filePath: 'extension/x.ts',
    code: "import { loadExperiment } from '../server/engine/loader';\nexport { loadExperiment };\n",
    rule: 'extension',
  },
  {
    name: 'extension (a subfolder) → engine',
    filePath: 'extension/commands/x.ts',
    code: "export { PRESET_OBJECTIVES } from '../../server/engine/presets';\n",
    rule: 'extension',
  },
  {
    name: 'extension → engine, as an import() type',
    filePath: 'extension/x.ts',
    code: "export type R = import('../server/engine/report').Report;\n",
    rule: 'extension',
    ruleId: 'no-restricted-syntax',
  },
  {
    name: 'extension → app',
    filePath: 'extension/x.ts',
    code: "import { trainRun } from '../server/app/train';\nexport { trainRun };\n",
    rule: 'extension',
  },
  {
    name: 'extension → TensorFlow.js',
    filePath: 'extension/x.ts',
    code: "import * as tf from '@tensorflow/tfjs';\nexport { tf };\n",
    rule: 'extension',
  },
  {
    name: 'webview → engine',
    filePath: 'webview/x.ts',
    code: "import type { Metrics } from '../server/engine/metrics';\nexport type M = Metrics;\n",
    rule: 'webview',
  },
  {
    name: 'webview → vscode',
    filePath: 'webview/x.ts',
    code: "import * as vscode from 'vscode';\nexport { vscode };\n",
    rule: 'webview',
  },
  {
    name: 'language server → app',
    filePath: 'server/lsp/server.ts',
    code: "import { trainRun } from '../app/train';\nexport { trainRun };\n",
    rule: 'server/lsp',
  },
  {
    name: 'language server → engine',
    filePath: 'server/lsp/x.ts',
    code: "import { IITError } from '../engine/errors';\nexport { IITError };\n",
    rule: 'server/lsp',
  },
  {
    name: 'cli → lsp',
    filePath: 'server/cli/main.ts',
    code: "import { startServer } from '../lsp/server';\nexport { startServer };\n",
    rule: 'server/cli',
  },
  {
    name: 'cli → lsp, required lazily',
    filePath: 'server/cli/main.ts',
    code: "export const start = () => require('../lsp/server').startServer();\n",
    rule: 'server/cli',
    ruleId: 'no-restricted-syntax',
  },
  {
    name: 'cli → debug, imported dynamically',
    filePath: 'server/cli/main.ts',
    code: "export const start = () => import('../debug/main');\n",
    rule: 'server/cli',
    ruleId: 'no-restricted-syntax',
  },
  {
    name: 'cli → the engine loader (openExperiment owns it)',
    filePath: 'server/cli/x.ts',
    code: "import { loadExperiment } from '../engine/loader';\nexport { loadExperiment };\n",
    rule: 'server/cli',
  },
  {
    name: 'debug → lsp',
    filePath: 'server/debug/lines.ts',
    code: "import { SourceIndex } from '../lsp/ranges';\nexport { SourceIndex };\n",
    rule: 'server/debug',
  },
  {
    name: 'debug → compute (openExperiment owns backends)',
    filePath: 'server/debug/x.ts',
    code: "import { useBackend } from '../compute/backends';\nexport { useBackend };\n",
    rule: 'server/debug',
  },
  {
    name: 'runs → TensorFlow.js',
    filePath: 'server/runs/x.ts',
    code: "import * as tf from '@tensorflow/tfjs';\nexport { tf };\n",
    rule: 'server/runs',
  },
  {
    name: 'runs → engine',
    filePath: 'server/runs/x.ts',
    code: "import { IITError } from '../engine/errors';\nexport { IITError };\n",
    rule: 'server/runs',
  },
  {
    name: 'source → engine',
    filePath: 'server/source/x.ts',
    code: "import type { Experiment } from '../engine/experiment';\nexport type E = Experiment;\n",
    rule: 'server/source',
  },
  {
    name: 'app → lsp',
    filePath: 'server/app/x.ts',
    code: "import { startServer } from '../lsp/server';\nexport { startServer };\n",
    rule: 'server/app',
  },
  {
    name: 'compute → app',
    filePath: 'server/compute/x.ts',
    code: "import { openExperiment } from '../app/open';\nexport { openExperiment };\n",
    rule: 'server/compute, server/data',
  },
  {
    name: 'pvr → cli',
    filePath: 'server/pvr/x.ts',
    code: "import { main } from '../cli/main';\nexport { main };\n",
    rule: 'server/pvr, server/mqnli, server/reascan',
  },
  {
    name: 'mqnli → app',
    filePath: 'server/mqnli/x.ts',
    code: "import { runTable } from '../app/table';\nexport { runTable };\n",
    rule: 'server/pvr, server/mqnli, server/reascan',
  },
  {
    name: 'reascan → lsp',
    filePath: 'server/reascan/x.ts',
    code: "import { startServer } from '../lsp/server';\nexport { startServer };\n",
    rule: 'server/pvr, server/mqnli, server/reascan',
  },
  {
    name: 'ts-plugin → engine',
    filePath: 'ts-plugin/x.ts',
    code: "import { loadExperiment } from '../server/engine/loader';\nexport { loadExperiment };\n",
    rule: 'ts-plugin',
  },
];

for (const c of forbidden) {
  test(`a forbidden import fails the lint: ${c.name}`, async () => {
    const errors = await importErrors(c.filePath, c.code);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.ruleId, c.ruleId ?? 'no-restricted-imports');
    assert.match(
      errors[0]!.message,
      new RegExp(`\\(docs/ARCHITECTURE\\.md: ${c.rule.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`),
    );
  });
}

const allowed: { folder: string; filePath: string; code: string }[] = [
  {
    folder: 'server/protocol',
    filePath: 'server/protocol/x.ts',
    code: "import { RequestType } from 'vscode-jsonrpc';\nimport type { Report } from './results';\nexport const R = new RequestType<{ uri: string }, Report, void>('iit/x');\n",
  },
  {
    folder: 'server/engine',
    filePath: 'server/engine/x.ts',
    code: "import * as tfjs from '@tensorflow/tfjs';\nimport { build } from 'esbuild';\nimport { readFileSync } from 'node:fs';\nimport { tf } from './tf';\nexport { tfjs, build, readFileSync, tf };\n",
  },
  {
    folder: 'server/engine (a subfolder)',
    filePath: 'server/engine/interventions/x.ts',
    code: "import { tf } from '../tf';\nimport { IITError } from '../errors';\nimport { swap } from './kind';\nexport { tf, IITError, swap };\n",
  },
  {
    folder: 'server/runs',
    filePath: 'server/runs/x.ts',
    code: "import { readFileSync } from 'node:fs';\nimport type { Report } from '../protocol/results';\nimport { runFile } from './layout';\nexport type R = Report;\nexport { readFileSync, runFile };\n",
  },
  {
    folder: 'server/source',
    filePath: 'server/source/x.ts',
    code: "import ts from 'typescript';\nimport path from 'node:path';\nimport type { Report } from '../protocol/results';\nexport type R = Report;\nexport { ts, path };\n",
  },
  {
    folder: 'server/app',
    filePath: 'server/app/x.ts',
    code: "import { Session } from '../engine/session';\nimport { useBackend } from '../compute/backends';\nimport * as pvr from '../pvr/index';\nimport { RunDir } from '../runs/runDir';\nimport type { ExperimentInfo } from '../protocol/results';\nexport type E = ExperimentInfo;\nexport { Session, useBackend, pvr, RunDir };\n",
  },
  {
    folder: 'server/lsp (the server process)',
    filePath: 'server/lsp/server.ts',
    code: "import { createConnection } from 'vscode-languageserver/node';\nimport { listRuns } from '../runs/list';\nimport { ExperimentInfoRequest } from '../protocol/index';\nimport ts from 'typescript';\nexport { createConnection, listRuns, ExperimentInfoRequest, ts };\n",
  },
  {
    folder: 'server/lsp/worker.ts',
    filePath: 'server/lsp/worker.ts',
    code: "import { trainRun } from '../app/train';\nimport { IITError } from '../engine/errors';\nexport { trainRun, IITError };\n",
  },
  {
    folder: 'server/cli',
    filePath: 'server/cli/main.ts',
    code: "import { trainRun } from '../app/train';\nimport { IITError } from '../engine/errors';\nimport { listRuns } from '../runs/list';\nexport const os = () => require('node:os');\nexport { trainRun, IITError, listRuns };\n",
  },
  {
    folder: 'server/debug',
    filePath: 'server/debug/session.ts',
    code: "import { DebugSession } from '@vscode/debugadapter';\nimport { openExperiment } from '../app/open';\nimport { patchSite } from '../engine/intervention';\nimport { RUN_ALL_PAIRS } from '../protocol/debug';\nexport { DebugSession, openExperiment, patchSite, RUN_ALL_PAIRS };\n",
  },
  {
    folder: 'server/compute',
    filePath: 'server/compute/x.ts',
    code: "import { tf } from '../engine/tf';\nexport const wasm = () => require('@tensorflow/tfjs-backend-wasm');\nexport { tf };\n",
  },
  {
    folder: 'server/pvr',
    filePath: 'server/pvr/x.ts',
    code: "import { causalModel } from '../engine/causal';\nimport { readIdx } from '../data/idx';\nexport { causalModel, readIdx };\n",
  },
  {
    folder: 'server/mqnli',
    filePath: 'server/mqnli/x.ts',
    code: "import { bertEncoder } from '../engine/transformer';\nimport { generateMqnli } from '../data/mqnli/index';\nexport { bertEncoder, generateMqnli };\n",
  },
  {
    folder: 'extension',
    filePath: 'extension/x.ts',
    code: "import * as vscode from 'vscode';\nimport { LanguageClient } from 'vscode-languageclient/node';\nimport path from 'node:path';\nimport { TrainRequest } from '../server/protocol/index';\nimport { RUN_ALL_PAIRS } from '../server/protocol/debug';\nimport { readRunView } from '../server/runs/view';\nimport { SourceIndex } from '../server/source/index';\nimport { graphSvg } from '../webview/graph';\nimport { client } from './ctx';\nexport { vscode, LanguageClient, path, TrainRequest, RUN_ALL_PAIRS, readRunView, SourceIndex, graphSvg, client };\n",
  },
  {
    folder: 'extension (a subfolder)',
    filePath: 'extension/commands/x.ts',
    code: "import type { Report } from '../../server/protocol/results';\nimport { client } from '../ctx';\nexport type R = Report;\nexport { client };\n",
  },
  {
    folder: 'webview',
    filePath: 'webview/x.ts',
    code: "import '@vscode-elements/elements/dist/vscode-button/index.js';\nimport './styles.css';\nimport type { RunView } from '../server/protocol/webview';\nimport type { Metrics } from '../server/protocol/results';\nimport { heatmapSvg } from './charts';\nexport type V = [RunView, Metrics];\nexport { heatmapSvg };\n",
  },
  {
    folder: 'ts-plugin',
    filePath: 'ts-plugin/x.ts',
    code: "import type * as ts from 'typescript';\nimport path from 'node:path';\nimport { findPackageRoot } from './declarations';\nexport type T = typeof ts;\nexport { path, findPackageRoot };\n",
  },
  {
    folder: 'test (not restricted)',
    filePath: 'test/unit/x.test.ts',
    code: "import * as vscode from 'vscode';\nimport { loadExperiment } from '../../server/engine/loader';\nimport { startServer } from '../../server/lsp/server';\nexport { vscode, loadExperiment, startServer };\n",
  },
];

for (const c of allowed) {
  test(`the imports ${c.folder} is meant to use pass the lint`, async () => {
    assert.deepEqual(await importErrors(c.filePath, c.code), []);
  });
}
