// Preload (`node -r bench/loadedModules.cjs …`): appends to $IIT_LOADED_MODULES_FILE each heavy package the process
// loads (TensorFlow.js, esbuild, TypeScript) as "<pid> <package>", so a test or benchmark can tell which process pulled
// in what (forked workers inherit the preload).
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const file = process.env.IIT_LOADED_MODULES_FILE;
const heavy = /^(@tensorflow\/[^/]+|esbuild|typescript|webgpu)$/;
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  if (file && heavy.test(request) && !seen.has(request)) {
    seen.add(request);
    fs.appendFileSync(file, `${process.pid} ${request}\n`);
  }
  return load.call(this, request, ...rest);
};
