import Docker from 'dockerode';

/** The runtimes the sandbox tests run under: the engine's default, and gVisor. */
export const SANDBOX_RUNTIMES = [
  { name: 'the default runtime', setting: '' },
  { name: 'gVisor (runsc)', setting: 'runsc' },
] as const;

/** Fails at once, with the fix, when the machine's engine lacks `runtime`. */
export async function requireRuntime(runtime: string): Promise<void> {
  if (runtime === '') return;
  const info = (await new Docker().info()) as { Runtimes?: Record<string, unknown> };
  const available = Object.keys(info.Runtimes ?? {});
  if (!available.includes(runtime)) {
    throw new Error(
      `The Docker Engine has no runtime ${runtime} (it has ${available.join(', ')}): run \`npm run setup -- --gvisor\` as root, as \`npm test\` does`,
    );
  }
}
