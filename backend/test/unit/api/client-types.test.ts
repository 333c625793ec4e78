import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CLIENT_TYPES_FILE,
  clientOpenApiDocument,
} from '../../../src/api/openapi/client-schema-source';

const ROOT = path.resolve(__dirname, '../../../..');
const SOURCE = path.join(ROOT, 'backend/src/api/openapi/client-types-source.ts');
const TYPESCRIPT_REQUIRE = path.join(ROOT, 'backend/test/support/typescript-require.cjs');

/**
 * The generated types, from the sources as they are now. openapi-typescript and prettier load ES
 * modules, which jest's module system cannot, so a plain node process generates them.
 */
async function generatedTypes(): Promise<string> {
  const script = `require(${JSON.stringify(SOURCE)}).clientTypesSource(${JSON.stringify(ROOT)}).then((source) => process.stdout.write(source))`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['-r', TYPESCRIPT_REQUIRE, '-e', script],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

describe('the typed client types', () => {
  it('are the ones the OpenAPI description gives (run npm run client:types when not)', async () => {
    const committed = await readFile(path.join(ROOT, CLIENT_TYPES_FILE), 'utf8');
    const generated = await generatedTypes();
    if (committed !== generated) {
      throw new Error(
        `${CLIENT_TYPES_FILE} differs from the OpenAPI description: run npm run client:types and commit the result`,
      );
    }
  }, 60_000);

  it('accept every Manim version and quality, not only the defaults', () => {
    const schemas = clientOpenApiDocument().components?.schemas ?? {};
    for (const name of ['RenderRequest', 'RenderUpload']) {
      const { manimVersion, quality } = schemas[name]?.properties ?? {};
      const versionLists = (manimVersion?.anyOf ?? []).map((part) => part.enum);
      expect(versionLists).not.toContainEqual(expect.arrayContaining(['0.22.0']));
      const qualityLists = (quality?.anyOf ?? []).map((part) => part.enum);
      expect(qualityLists).toContainEqual(['low', 'medium', 'high', 'production', '4k']);
    }
  });

  it('do not depend on the environment of the machine that generates them', () => {
    const before = JSON.stringify(clientOpenApiDocument());
    const saved = { ...process.env };
    Object.assign(process.env, { MANIM_VERSIONS: '0.19.0', MAX_QUALITY: 'low', API_KEYS: 'k' });
    try {
      expect(JSON.stringify(clientOpenApiDocument())).toBe(before);
    } finally {
      process.env = saved;
    }
  });
});
