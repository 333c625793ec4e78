/**
 * Lets a plain node process require the TypeScript sources (`node -r` this file), compiled one
 * file at a time without type checks. For tests that must run code outside jest's module system,
 * e.g. code that loads ES modules, which jest cannot without --experimental-vm-modules.
 */
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: false,
    },
  });
  module._compile(outputText, filename);
};
