import type { JobView } from '../../src/job/render-job';
import { containersOfJob } from './support/job-containers';
import { requireRuntime, SANDBOX_RUNTIMES } from './support/runtimes';
import { startTestService, type TestService } from './support/test-service';

/** A scene whose construct() runs `body` (indented by the caller's lines) and then plays. */
function sceneRunning(body: string[]): string {
  return [
    'from manim import *',
    'import os, socket, time',
    '',
    'class Attack(Scene):',
    '    def construct(self):',
    ...body.map((line) => `        ${line}`),
    '        self.play(Create(Circle()))',
    '',
  ].join('\n');
}

/**
 * Attacks that should end at another limit get a generous time limit, so that a busy machine
 * cannot turn them into timeouts; those that only the time limit stops get a short one.
 */
const LIMITS = {
  RENDER_TIMEOUT_SECONDS: '120',
  RENDER_MEMORY_MB: '512',
  RENDER_PIDS_LIMIT: '64',
  RENDER_MAX_OUTPUT_MB: '8',
  RENDER_TMPFS_MB: '16',
};

const STOPPED_BY_TIME = new Set(['busyCpu', 'sleepForever', 'floodStdout']);
const SHORT_TIMEOUT_SECONDS = 8;

const ATTACKS: Record<string, string[]> = {
  // Children sleep rather than fork on, so the process limit is reached before the memory limit.
  forkBomb: ['while True:', '    if os.fork() == 0:', '        time.sleep(1000)'],
  memoryBomb: ['hoard = []', 'while True:', '    hoard.append(bytearray(64 * 1024 * 1024))'],
  busyCpu: ['while True:', '    pass'],
  sleepForever: ['time.sleep(10 ** 6)'],
  floodStdout: ['while True:', "    print('x' * 10000)"],
  hugeFile: [
    "with open('/job/huge.bin', 'wb') as f:",
    '    while True:',
    "        f.write(b'0' * (1024 * 1024))",
  ],
  network: ["socket.create_connection(('1.1.1.1', 80), timeout=3)"],
  dockerSocket: ["open('/var/run/docker.sock', 'rb')"],
  writeOutsideJob: ["open('/usr/local/escaped', 'w').write('x')"],
  climbOutOfJob: ["os.chdir('/job/..')", "open('escaped', 'w').write('x')"],
};

describe.each(SANDBOX_RUNTIMES)('hostile scene code under $name', (runtime) => {
  let service: TestService;
  const jobIds: Record<string, string> = {};

  beforeAll(async () => {
    await requireRuntime(runtime.setting);
    service = await startTestService({
      env: {
        ...LIMITS,
        RENDER_RUNTIME: runtime.setting,
        // gVisor's own threads count against the pids limit: about 60 for a render.
        ...(runtime.setting === 'runsc' ? { RENDER_PIDS_LIMIT: '512' } : {}),
      },
    });
    for (const [name, body] of Object.entries(ATTACKS)) {
      const submitted = await service.submit({
        code: sceneRunning(body),
        quality: 'low',
        ...(STOPPED_BY_TIME.has(name) ? { timeout: SHORT_TIMEOUT_SECONDS } : {}),
      });
      expect(submitted.status).toBe(202);
      jobIds[name] = submitted.body.id;
    }
  });
  afterAll(async () => {
    await service?.close();
  });

  async function outcomeOf(name: string): Promise<JobView> {
    const id = jobIds[name];
    if (!id) throw new Error(`no job for ${name}`);
    const job = await service.waitForEnd(id);
    const left = await containersOfJob(id);
    expect(left).toEqual([]);
    return job;
  }

  if (runtime.setting === 'runsc') {
    // Inside gVisor a process is a task of its kernel, not a host process: the pids limit bounds
    // gVisor's own threads, and the children's kernel memory counts against the memory limit.
    it('stops a fork bomb at the memory limit as out_of_memory', async () => {
      const job = await outcomeOf('forkBomb');
      expect(job.error).toMatchObject({ code: 'out_of_memory', details: { limitMb: 512 } });
    });
  } else {
    it('stops a fork bomb at the process limit', async () => {
      const job = await outcomeOf('forkBomb');
      expect(job.status).toBe('failed');
      expect(job.error?.code).toBe('scene_error');
      expect(job.error?.message).toMatch(/Resource temporarily unavailable/);
    });
  }

  it('stops a memory bomb at the memory limit as out_of_memory', async () => {
    const job = await outcomeOf('memoryBomb');
    expect(job.error).toMatchObject({ code: 'out_of_memory', details: { limitMb: 512 } });
  });

  it.each(['busyCpu', 'sleepForever', 'floodStdout'])(
    'stops %s at the wall-clock limit',
    async (name) => {
      const job = await outcomeOf(name);
      expect(job.error).toMatchObject({
        code: 'timeout',
        details: { limitSeconds: SHORT_TIMEOUT_SECONDS },
      });
    },
  );

  it('stops a huge file at the file-size limit as output_too_large', async () => {
    const job = await outcomeOf('hugeFile');
    expect(job.error?.code).toBe('output_too_large');
  });

  it('gives the scene no network', async () => {
    const job = await outcomeOf('network');
    expect(job.error?.code).toBe('scene_error');
    // gVisor's network stack answers "No route to host" where Linux says the network is unreachable.
    expect(job.error?.message).toMatch(/Network is unreachable|No route to host/);
  });

  it('gives the scene no Docker socket', async () => {
    const job = await outcomeOf('dockerSocket');
    expect(job.error?.message).toMatch(/FileNotFoundError.*docker\.sock/);
  });

  it.each(['writeOutsideJob', 'climbOutOfJob'])(
    'keeps %s from writing outside the job folder',
    async (name) => {
      const job = await outcomeOf(name);
      expect(job.error?.code).toBe('scene_error');
      // gVisor checks the permission before the read-only mount; Linux the other way round.
      expect(job.error?.message).toMatch(/Read-only file system|Permission denied/);
    },
  );

  it('runs unprivileged, without capabilities and with only loopback', async () => {
    const code = sceneRunning([
      "assert os.getuid() != 0, 'runs as root'",
      "cap_eff = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]",
      "assert int(cap_eff, 16) == 0, 'has capabilities ' + cap_eff",
      "assert sorted(os.listdir('/sys/class/net')) == ['lo'], 'has interfaces ' + str(os.listdir('/sys/class/net'))",
      // PR_GET_NO_NEW_PRIVS: gVisor's /proc/self/status has no NoNewPrivs line.
      'import ctypes',
      "assert ctypes.CDLL(None).prctl(39, 0, 0, 0, 0) == 1, 'may gain privileges'",
    ]);
    const submitted = await service.submit({ code, quality: 'low' });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.error).toBeUndefined();
    expect(job.status).toBe('completed');
  });

  it('still renders normally after every attack', async () => {
    await Promise.all(Object.keys(ATTACKS).map((name) => outcomeOf(name)));
    const submitted = await service.submit({ code: sceneRunning([]), quality: 'low' });
    const job = await service.waitForEnd(submitted.body.id);
    expect(job.status).toBe('completed');
  });
});
