import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigDocs } from '../config/config-docs';

/** `npm run docs:config`: regenerates docs/configuration.md from the config schema. */
const target = path.resolve(process.argv[2] ?? 'docs/configuration.md');
writeFileSync(target, renderConfigDocs());
process.stdout.write(`wrote ${target}\n`);
