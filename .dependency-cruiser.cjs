/**
 * The import rules of backend/src, checked by `npm run lint` (and so by `npm test`):
 * no import circles, the configuration depends on nothing of ours, and each driver (Docker, Redis
 * and BullMQ, S3) is imported by its adapters only.
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
    {
      name: 'docker-driver-in-its-adapters',
      severity: 'error',
      comment: 'dockerode is used behind the render-engine port, in docker/ only.',
      from: { path: '^backend/src/', pathNot: '^backend/src/docker/' },
      to: { path: 'node_modules/(dockerode|@types/dockerode)/' },
    },
    {
      name: 'queue-drivers-in-their-adapters',
      severity: 'error',
      comment: 'bullmq and ioredis are used behind the job store and worker ports, in queue/ only.',
      from: { path: '^backend/src/', pathNot: '^backend/src/queue/' },
      to: { path: 'node_modules/(bullmq|ioredis)/' },
    },
    {
      name: 'mcp-sdk-in-the-mcp-server',
      comment:
        'The Model Context Protocol SDK serves the /mcp route only; the rest of the service does not know it.',
      severity: 'error',
      from: { path: '^backend/src/', pathNot: '^backend/src/api/mcp/' },
      to: { path: 'node_modules/@modelcontextprotocol/' },
    },
    {
      name: 's3-driver-in-its-adapter',
      severity: 'error',
      comment: 'The AWS SDK is used behind the output-store port, in s3-output-store.ts only.',
      from: { path: '^backend/src/', pathNot: '^backend/src/outputs/s3-output-store\\.ts$' },
      to: { path: 'node_modules/@aws-sdk/' },
    },
    {
      name: 'client-stands-alone',
      severity: 'error',
      comment:
        'client/ talks to the service over HTTP only; its types are generated (npm run client:types), never imported from the service.',
      from: { path: '^backend/src/client/' },
      to: { path: '^backend/src/', pathNot: '^backend/src/client/' },
    },
    {
      name: 'render-command-uses-the-client-only',
      severity: 'error',
      comment:
        'The manim-render command (render-cli/) is built on client/ and nothing else of ours.',
      from: { path: '^backend/src/(render-cli/|cli/manim-render\\.ts$)' },
      to: { path: '^backend/src/', pathNot: '^backend/src/(client|render-cli)/' },
    },
    {
      name: 'client-libraries',
      severity: 'error',
      comment:
        'The client and the manim-render command need Node built-ins and openapi-fetch only, so that they run without the service installed.',
      from: { path: '^backend/src/(client/|render-cli/|cli/manim-render\\.ts$)' },
      to: {
        path: 'node_modules/',
        pathNot: 'node_modules/(openapi-fetch|openapi-typescript-helpers)/',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
