import { CONFIG_VARIABLES } from './config-schema';

/** docs/configuration.md, generated from the schema so the two never disagree. */
export function renderConfigDocs(): string {
  const rows = Object.entries(CONFIG_VARIABLES).map(([name, variable]) => {
    const fallback =
      variable.default === undefined
        ? '(required)'
        : variable.default === ''
          ? '(empty)'
          : `\`${variable.default}\``;
    return `| \`${name}\` | ${fallback} | ${variable.description.replace(/\|/g, '\\|')} |`;
  });
  return [
    '# Configuration',
    '',
    'The API and the worker read these environment variables once at start. A bad value stops the',
    'process with a message that lists every bad variable. `DOCKER_HOST` (read by the Docker client)',
    'selects another engine than the local socket.',
    '',
    'This file is generated from `backend/src/config/config-schema.ts` by `npm run docs:config`.',
    '',
    '| Variable | Default | Meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
