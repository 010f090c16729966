/** dist/server.js: the language / training server on stdio (`node dist/server.js --stdio`). */
import { startServer } from './server';

startServer();
