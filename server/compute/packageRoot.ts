/**
 * Where IIT Studio's own package lives, and a require() anchored there, both
 * when bundled (dist/*.js, CommonJS) and when its TypeScript runs directly as
 * ES modules in tests (no __dirname or require there; tests run from the root).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

export const packageRoot: string = typeof __dirname === 'string' ? path.join(__dirname, '..') : process.cwd();

export const packageRequire: NodeJS.Require = createRequire(path.join(packageRoot, 'package.json'));
