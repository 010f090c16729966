/**
 * The `iit-studio` process (bin/iit-studio.js → dist/cli.js): which front end
 * serves this command line. Each is required only when chosen, so `serve`
 * starts without the engine and the CLI without the language server.
 */
const command = process.argv[2];
if (command === 'serve') {
  // LSP framing on stdio until the client disconnects.
  (require('./lsp/server') as typeof import('./lsp/server')).startServer();
} else if (command === 'debug-adapter') {
  // DAP framing on stdio until the client disconnects.
  (require('./debug/main') as typeof import('./debug/main')).runStdio();
} else {
  require('./cli/entry');
}
