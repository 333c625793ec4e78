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
      comment:
        "dockerode is used behind the render-engine port: by the engine's Docker side and by the job folders' copy mode and self-detection.",
      from: {
        path: '^backend/src/',
        pathNot: [
          '^backend/src/render-engine/(docker-render-engine\\.ts$|docker-client/|containers/)',
          '^backend/src/job-folders/(job-copy\\.ts$|container-folder-usage\\.ts$|daemon-paths/own-container/)',
        ],
      },
      to: { path: 'node_modules/(dockerode|@types/dockerode)/' },
    },
    {
      name: 'render-engine-port-knows-no-docker',
      severity: 'error',
      comment:
        'The render-engine port (the files at the top of render-engine/) names no Docker type; docker-render-engine.ts, beside it, implements it.',
      from: {
        path: '^backend/src/render-engine/[^/]+\\.ts$',
        pathNot: '^backend/src/render-engine/docker-render-engine\\.ts$',
      },
      to: { path: '^backend/src/render-engine/(docker-client|containers)/' },
    },
    {
      name: 'queue-drivers-in-their-adapters',
      severity: 'error',
      comment:
        'bullmq and ioredis are used behind the ports, in redis/ and in the files of other features named for them (bullmq-*.ts, redis-*.ts).',
      from: {
        path: '^backend/src/',
        pathNot: ['^backend/src/redis/', '^backend/src/.+/(bullmq|redis)-[^/]+\\.ts$'],
      },
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
        'The manim-render command (cli/manim-render/) is built on client/ and nothing else of ours.',
      from: { path: '^backend/src/cli/manim-render(/|\\.ts$)' },
      to: { path: '^backend/src/', pathNot: '^backend/src/(client|cli/manim-render)/' },
    },
    {
      name: 'client-libraries',
      severity: 'error',
      comment:
        'The client and the manim-render command need Node built-ins and openapi-fetch only, so that they run without the service installed.',
      from: { path: '^backend/src/(client/|cli/manim-render(/|\\.ts$))' },
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
