import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_TYPES_FILE } from '../api/openapi/client-schema-source';
import { clientTypesSource } from '../api/openapi/client-types-source';

/** `npm run client:types`: regenerates the typed client's types from the OpenAPI description. */
async function main(): Promise<void> {
  const root = process.cwd();
  const target = path.join(root, CLIENT_TYPES_FILE);
  await writeFile(target, await clientTypesSource(root));
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
