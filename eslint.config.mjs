// ESLint flat config: typescript-eslint's recommended rules over the TypeScript sources, and docs/ARCHITECTURE.md's
// table of what may import what, one block per folder (test/unit/import-rules.test.ts shows each rule biting).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import strings are matched as written, so a folder is named after any number of `../` (a file in a subfolder
// reaches the same target with one more).
const up = String.raw`^(\.\./)+`;
const vscodeHost = { regex: '^vscode$', message: "only extension/ imports 'vscode' (the host API)" };
const frontEndPackages = {
  regex: String.raw`^(vscode-languageserver|vscode-languageclient|@vscode/debugadapter)(/|$)`,
  message: 'the LSP and DAP libraries belong to the front ends (server/lsp, server/debug) and the extension',
};
const clients = {
  regex: `${up}(extension|webview)(/|$)`,
  message: 'the server never imports the extension or webviews',
};
const above = (...names) => ({
  regex: `${up}(${names.join('|')})(/|$)`,
  message: `server/${names.join(', server/')} sit above this folder: they import it, not the other way round`,
});
const besideFrontEnds = (self, others) => ({
  regex: `${up}(${others.join('|')})(/|$)`,
  message: `front ends sit side by side: server/${self} imports no other front end (${others.map((o) => `server/${o}`).join(', ')}); shared code lives in server/app, server/runs or server/source`,
});
const openThroughApp = (self) => ({
  regex: `${up}(engine/loader|compute)(/|$)`,
  message: `server/${self} opens experiments through server/app (openExperiment owns loading and backends)`,
});
/** Allows only imports matching one of `allowed`; everything else fails with `message`. */
const only = (allowed, message) => ({ regex: `^(?!(${allowed.join('|')}))`, message });

/**
 * One row of the table: `files` may import nothing that a rule's regex matches. Static imports and re-exports go
 * through no-restricted-imports; lazy `require('…')`, `import('…')` and `import('…')` types through
 * no-restricted-syntax, with the same patterns.
 */
function restrict(name, files, rules, ignores = []) {
  // esquery's regex literals end at the first '/', so slashes are spelled \x2F.
  const esq = (regex) => `/${regex.replaceAll('/', String.raw`\x2F`)}/`;
  const message = (r) => `${r.message} (docs/ARCHITECTURE.md: ${name})`;
  return {
    name: `iit-studio/imports/${name}`,
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: rules.map((r) => ({ regex: r.regex, caseSensitive: true, message: message(r) })) },
      ],
      'no-restricted-syntax': [
        'error',
        ...rules.flatMap((r) =>
          [
            `CallExpression[callee.name='require'][arguments.0.value=${esq(r.regex)}]`,
            `ImportExpression[source.value=${esq(r.regex)}]`,
            `TSImportType[argument.literal.value=${esq(r.regex)}]`,
          ].map((selector) => ({ selector, message: message(r) })),
        ),
      ],
    },
  };
}

const importRules = [
  restrict(
    'server/engine',
    ['server/engine/*.ts'],
    [
      { regex: String.raw`^\.\.(/|$)`, message: 'the engine imports nothing of server/ outside server/engine' },
      { regex: '^(vscode|@vscode/)', message: 'the engine never imports vscode or its libraries' },
    ],
  ),
  // A subfolder of the engine (interventions/) reaches the engine's own files with one `../`.
  restrict(
    'server/engine',
    ['server/engine/*/**'],
    [
      { regex: String.raw`^\.\./\.\.(/|$)`, message: 'the engine imports nothing of server/ outside server/engine' },
      { regex: '^(vscode|@vscode/)', message: 'the engine never imports vscode or its libraries' },
    ],
  ),
  restrict(
    'server/protocol',
    ['server/protocol/**'],
    [
      only(
        [String.raw`(vscode-jsonrpc|vscode-languageserver-protocol)(/|$)`, String.raw`\./`],
        'server/protocol imports only vscode-jsonrpc / vscode-languageserver-protocol and its own files: the extension, the server and the webviews all load it',
      ),
    ],
  ),
  restrict(
    'server/runs',
    ['server/runs/**'],
    [
      only(
        ['node:', String.raw`\./`, String.raw`\.\./protocol(/|$)`],
        'server/runs imports only Node built-ins, server/protocol and its own files: the extension reads run directories with it, so no engine, TensorFlow.js or front end',
      ),
    ],
  ),
  restrict(
    'server/cluster',
    ['server/cluster/**'],
    [
      only(
        ['node:', String.raw`\./`, String.raw`\.\./(protocol|runs)(/|$)`],
        'server/cluster imports only Node built-ins, server/protocol, server/runs and its own files: the language server reads a sweep with it, so no engine, TensorFlow.js or front end',
      ),
    ],
  ),
  restrict(
    'server/source',
    ['server/source/**'],
    [
      only(
        ['typescript$', 'node:', String.raw`\./`, String.raw`\.\./protocol(/|$)`],
        'server/source imports only typescript, Node built-ins, server/protocol and its own files: the extension and the language server use it without the engine',
      ),
    ],
  ),
  restrict('server/app', ['server/app/**'], [above('lsp', 'debug', 'cli'), clients, vscodeHost, frontEndPackages]),
  restrict(
    'server/cli',
    ['server/cli/**'],
    [besideFrontEnds('cli', ['lsp', 'debug']), openThroughApp('cli'), clients, vscodeHost],
  ),
  restrict(
    'server/debug',
    ['server/debug/**'],
    [besideFrontEnds('debug', ['lsp', 'cli']), openThroughApp('debug'), clients, vscodeHost],
  ),
  restrict(
    'server/lsp',
    ['server/lsp/**'],
    [
      besideFrontEnds('lsp', ['debug', 'cli']),
      clients,
      vscodeHost,
      {
        regex: `${up}(engine|app|compute|data|pvr|mqnli|reascan|runner|backend|describe)(/|$)|^(@tensorflow/|webgpu$|esbuild$)`,
        message:
          'the language server process loads no TensorFlow.js or esbuild: only server/lsp/worker.ts runs experiments (through server/app)',
      },
    ],
    ['server/lsp/worker.ts'],
  ),
  restrict(
    'server/lsp/worker.ts',
    ['server/lsp/worker.ts'],
    [besideFrontEnds('lsp', ['debug', 'cli']), clients, vscodeHost],
  ),
  restrict(
    'server/compute, server/data',
    ['server/compute/**', 'server/data/**'],
    [above('app', 'lsp', 'debug', 'cli'), clients, vscodeHost, frontEndPackages],
  ),
  restrict(
    'server/pvr, server/mqnli, server/reascan',
    ['server/pvr/**', 'server/mqnli/**', 'server/reascan/**'],
    [above('app', 'lsp', 'debug', 'cli'), clients, vscodeHost, frontEndPackages],
  ),
  restrict(
    'extension',
    ['extension/**'],
    [
      {
        regex: `${up}server/(?!(protocol|runs|source)(/|$))`,
        message:
          'of server/ the extension imports only protocol, runs (reading run directories) and source: the engine, app and front ends run in the server and worker processes',
      },
      {
        regex: `${up}webview/(?!graph$)`,
        message: 'of webview/ the extension imports only graph (the causal graph view draws its SVG in the host)',
      },
      {
        regex: String.raw`^(@tensorflow/|webgpu$|esbuild$)`,
        message: 'no TensorFlow.js or esbuild in the extension host',
      },
    ],
  ),
  restrict(
    'webview',
    ['webview/**'],
    [
      only(
        [String.raw`\./`, `${up}server/protocol/`, '@vscode-elements/'],
        'webviews run in a browser: they import only server/protocol, @vscode-elements and their own files',
      ),
    ],
  ),
  restrict(
    'ts-plugin',
    ['ts-plugin/**'],
    [
      only(
        ['typescript$', 'node:', String.raw`\./`],
        "ts-plugin runs inside tsserver: it imports only TypeScript's types, Node built-ins and its own files",
      ),
    ],
  ),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      '.cache/',
      '.iit/',
      'artifacts/',
      'test/fixtures/bad/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...importRules,
);
