import { parseArgs } from 'node:util';
import type { components } from '../../client/api-schema';

type Quality = components['schemas']['Quality'];
type OutputFormat = components['schemas']['OutputFormat'];

export const QUALITY_NAMES = [
  'low',
  'medium',
  'high',
  'production',
  '4k',
] as const satisfies readonly Quality[];
export const FORMAT_NAMES = [
  'mp4',
  'gif',
  'webm',
  'mov',
  'png',
] as const satisfies readonly OutputFormat[];

/** The service's default address: `npm start` serves on port 3001. */
export const DEFAULT_URL = 'http://localhost:3001';

/** Where the service is and the key it wants. */
export interface Connection {
  url: string;
  apiKey: string | undefined;
}

export interface RenderCommand {
  command: 'render';
  sceneFile: string;
  connection: Connection;
  scene: string | undefined;
  quality: Quality | undefined;
  format: OutputFormat | undefined;
  fps: number | undefined;
  resolution: string | undefined;
  transparent: boolean;
  timeout: number | undefined;
  manimVersion: string | undefined;
  cache: boolean;
  /** Only the last frame, as PNG: a quick look at where the scene ends. */
  preview: boolean;
  /** Also save the poster (the last frame as PNG) beside the video. */
  poster: boolean;
  assets: string[];
  outDir: string;
  watch: boolean;
}

export interface ScenesCommand {
  command: 'scenes';
  sceneFile: string;
  connection: Connection;
}

export type CliCommand = RenderCommand | ScenesCommand | { command: 'help' };

/** A command line that cannot be run, said so that the user can fix it. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const OPTIONS = {
  scene: { type: 'string', short: 's' },
  quality: { type: 'string', short: 'q' },
  format: { type: 'string', short: 'f' },
  fps: { type: 'string' },
  resolution: { type: 'string' },
  transparent: { type: 'boolean' },
  timeout: { type: 'string' },
  'manim-version': { type: 'string' },
  'no-cache': { type: 'boolean' },
  preview: { type: 'boolean', short: 'p' },
  poster: { type: 'boolean' },
  asset: { type: 'string', multiple: true, short: 'a' },
  out: { type: 'string', short: 'o' },
  watch: { type: 'boolean', short: 'w' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads the command line; the address and key fall back to MANIM_RENDER_URL and MANIM_RENDER_API_KEY. */
export function parseCliArguments(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, sceneFile, ...extra] = positionals;
  if (values.help === true || command === undefined || command === 'help')
    return { command: 'help' };
  if (command !== 'render' && command !== 'scenes') {
    throw new UsageError(`Unknown command "${command}": use render or scenes`);
  }
  if (sceneFile === undefined) throw new UsageError(`${command} needs a scene file, e.g. scene.py`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  const connection = connectionOf(values.url, values['api-key'], env);
  if (command === 'scenes') {
    const renderOnly = Object.keys(values).filter((name) => !['url', 'api-key'].includes(name));
    if (renderOnly.length > 0) throw new UsageError(`--${renderOnly[0]} is an option of render`);
    return { command, sceneFile, connection };
  }
  return {
    command,
    sceneFile,
    connection,
    scene: values.scene,
    quality: oneOf('quality', values.quality, QUALITY_NAMES),
    format: oneOf('format', values.format, FORMAT_NAMES),
    fps: wholeNumber('fps', values.fps),
    resolution: resolutionOf(values.resolution),
    transparent: values.transparent === true,
    timeout: wholeNumber('timeout', values.timeout),
    manimVersion: values['manim-version'],
    cache: values['no-cache'] !== true,
    preview: values.preview === true,
    poster: values.poster === true,
    assets: values.asset ?? [],
    outDir: values.out ?? '.',
    watch: values.watch === true,
  };
}

function connectionOf(
  url: string | undefined,
  apiKey: string | undefined,
  env: NodeJS.ProcessEnv,
): Connection {
  const address = url ?? (env.MANIM_RENDER_URL || DEFAULT_URL);
  let parsed: URL;
  try {
    parsed = new URL(address);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got "${address}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got "${address}"`);
  }
  const key = apiKey ?? (env.MANIM_RENDER_API_KEY || undefined);
  return { url: address.replace(/\/+$/, ''), apiKey: key };
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) {
    throw new UsageError(`--${name} must be a whole number above 0, got "${value}"`);
  }
  return Number(value);
}

function resolutionOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+[xX]\d+$/.test(value)) {
    throw new UsageError(`--resolution must be WIDTHxHEIGHT, e.g. 1280x720, got "${value}"`);
  }
  return value;
}
