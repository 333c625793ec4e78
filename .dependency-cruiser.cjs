/**
 * The import rules of backend/src, checked by `npm run lint` (and so by `npm test`):
 * no import circles, and the configuration depends on nothing of ours.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import circles make the load order matter and the layers blur; break them with a module both sides depend on.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'config-depends-on-nothing-of-ours',
      severity: 'error',
      comment: 'config/ is parsed first and read by every part; it may import libraries only.',
      from: { path: '^backend/src/config/' },
      to: { path: '^backend/src/', pathNot: '^backend/src/config/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
