import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigDocs } from '../../../src/config/config-docs';
import { ConfigError, loadConfig } from '../../../src/config/load-config';

describe('configuration', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3001,
      REDIS_URL: 'redis://127.0.0.1:6379',
      DEFAULT_QUALITY: 'medium',
      DEFAULT_FORMAT: 'mp4',
      RENDER_USER: 'auto',
      TRUST_PROXY: false,
    });
  });

  it('takes gVisor only with a pids limit that leaves room for its own threads', () => {
    expect(loadConfig({ RENDER_RUNTIME: 'runsc' }).RENDER_RUNTIME).toBe('runsc');
    expect(() => loadConfig({ RENDER_RUNTIME: 'runsc', RENDER_PIDS_LIMIT: '64' })).toThrow(
      /RENDER_PIDS_LIMIT=64 is too low for RENDER_RUNTIME=runsc.*set 256 or more/,
    );
    expect(() => loadConfig({ RENDER_RUNTIME: 'kata runtime' })).toThrow(/RENDER_RUNTIME/);
  });

  it('converts numbers and booleans from their text form', () => {
    const config = loadConfig({ PORT: '8080', RENDER_CPUS: '1.5', TRUST_PROXY: 'yes' });
    expect(config.PORT).toBe(8080);
    expect(config.RENDER_CPUS).toBe(1.5);
    expect(config.TRUST_PROXY).toBe(true);
  });

  it('lists every bad variable in one error', () => {
    let thrown: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        REDIS_URL: 'localhost:6379',
        DEFAULT_QUALITY: 'ultra',
        RENDER_USER: 'root',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const failure = thrown as ConfigError;
    expect(failure.code).toBe('config_invalid');
    for (const name of ['PORT', 'REDIS_URL', 'DEFAULT_QUALITY', 'RENDER_USER']) {
      expect(failure.message).toContain(name);
    }
    expect(failure.details?.problems).toHaveLength(4);
  });

  it('parses HOST_PATH_MAP into entries and names the worker container setting', () => {
    const config = loadConfig({
      HOST_PATH_MAP: '/app/outputs=/srv/manim/outputs; /app/temp/=/srv/manim/temp',
      WORKER_CONTAINER: ' manim-worker ',
    });
    expect(config.HOST_PATH_MAP).toEqual([
      { container: '/app/outputs', host: '/srv/manim/outputs' },
      { container: '/app/temp', host: '/srv/manim/temp' },
    ]);
    expect(config.WORKER_CONTAINER).toBe('manim-worker');
    expect(loadConfig({}).HOST_PATH_MAP).toEqual([]);
  });

  it('refuses an invalid HOST_PATH_MAP, listing each problem', () => {
    let thrown: unknown;
    try {
      loadConfig({ HOST_PATH_MAP: 'app/temp=/srv/temp;/app/outputs' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const failure = thrown as ConfigError;
    expect(failure.code).toBe('config_invalid');
    expect(failure.message).toContain('HOST_PATH_MAP');
    expect(failure.message).toContain('the worker dir "app/temp" must be an absolute path');
    expect(failure.message).toContain('entry 2 "/app/outputs": missing "="');
  });

  it('refuses defaults above the caps requests are held to', () => {
    expect(() =>
      loadConfig({ RENDER_TIMEOUT_SECONDS: '1000', MAX_RENDER_TIMEOUT_SECONDS: '600' }),
    ).toThrow(/RENDER_TIMEOUT_SECONDS=1000 is above MAX_RENDER_TIMEOUT_SECONDS=600/);
    expect(() => loadConfig({ DEFAULT_QUALITY: 'high', MAX_QUALITY: 'medium' })).toThrow(
      /DEFAULT_QUALITY=high is above MAX_QUALITY=medium/,
    );
  });

  it('serves Manim 0.22.0 and 0.19.0 by default, and any list newest first', () => {
    expect(loadConfig({}).MANIM_VERSIONS).toEqual(['0.22.0', '0.19.0']);
    expect(loadConfig({ MANIM_VERSIONS: 'v0.19.0, 0.9.1,0.22.0,0.19.0' }).MANIM_VERSIONS).toEqual([
      '0.22.0',
      '0.19.0',
      '0.9.1',
    ]);
    expect(() => loadConfig({ MANIM_VERSIONS: '0.22, latest' })).toThrow(
      /MANIM_VERSIONS="0.22, latest": "0.22", "latest" is not a version like 0.22.0/,
    );
    expect(() => loadConfig({ MANIM_VERSIONS: ' , ' })).toThrow(/MANIM_VERSIONS.*lists no version/);
  });

  it('refuses one RENDER_IMAGE for several versions, saying where {version} goes', () => {
    expect(() => loadConfig({ RENDER_IMAGE: 'manimcommunity/manim:v0.19.0' })).toThrow(
      /RENDER_IMAGE=manimcommunity\/manim:v0.19.0 names one image, but MANIM_VERSIONS lists 0.22.0, 0.19.0: put \{version\} where the version goes/,
    );
    expect(
      loadConfig({ RENDER_IMAGE: 'manimcommunity/manim:v0.19.0', MANIM_VERSIONS: '0.19.0' })
        .RENDER_IMAGE,
    ).toBe('manimcommunity/manim:v0.19.0');
    expect(loadConfig({ RENDER_IMAGE: 'manimcommunity/manim:v{version}' }).RENDER_IMAGE).toBe(
      'manimcommunity/manim:v{version}',
    );
  });

  it('keeps videos locally by default, and in S3 only with a bucket and a whole key pair', () => {
    expect(loadConfig({}).STORAGE).toBe('local');
    const s3 = loadConfig({
      STORAGE: 's3',
      S3_ENDPOINT: 'http://seaweedfs:8333',
      S3_BUCKET: 'videos',
      S3_PREFIX: 'manim/',
    });
    expect(s3).toMatchObject({
      S3_FORCE_PATH_STYLE: true,
      S3_DOWNLOAD: 'proxy',
      S3_REGION: 'us-east-1',
    });
    expect(() => loadConfig({ STORAGE: 's3' })).toThrow(/STORAGE=s3 needs S3_BUCKET/);
    expect(() => loadConfig({ S3_ACCESS_KEY_ID: 'key' })).toThrow(
      /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/,
    );
    expect(() => loadConfig({ S3_ENDPOINT: 'seaweedfs:8333', S3_PREFIX: 'manim' })).toThrow(
      /S3_ENDPOINT="seaweedfs:8333".*S3_PREFIX="manim": must be empty or end with "\/"/,
    );
  });

  it('is documented in docs/configuration.md exactly as the schema says', () => {
    const documented = readFileSync(
      path.resolve(__dirname, '../../../../docs/configuration.md'),
      'utf8',
    );
    expect(documented).toBe(renderConfigDocs());
  });
});
