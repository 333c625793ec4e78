import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import type { JobView } from '../../src/job/render-job';
import { containersOfJob } from './support/job-containers';
import { requireRuntime, SANDBOX_RUNTIMES } from './support/runtimes';
import { startTestService, type TestService } from './support/test-service';

/**
 * Each probe ends its scene with an exception that says what happened, so the job fails with a
 * `scene_error` whose message is the probe's finding: `refused, <errno>`, `allowed`, or what the
 * scene could read.
 */
function probeScene(body: string[]): string {
  return [
    'from manim import *',
    'import ctypes, errno, os, platform',
    '',
    'libc = ctypes.CDLL(None, use_errno=True)',
    "NUMBERS = {'x86_64': {'keyctl': 250, 'perf_event_open': 298, 'finit_module': 313},",
    "           'aarch64': {'keyctl': 219, 'perf_event_open': 241, 'finit_module': 273}}",
    'SYSCALL = NUMBERS[platform.machine()]',
    '',
    'def outcome(name, result):',
    '    if result == -1:',
    '        code = ctypes.get_errno()',
    "        raise RuntimeError(f'probe {name}: refused, {errno.errorcode.get(code, code)}')",
    "    raise RuntimeError(f'probe {name}: allowed')",
    '',
    'class Probe(Scene):',
    '    def construct(self):',
    ...body.map((line) => `        ${line}`),
    '',
  ].join('\n');
}

/** Calls that only a process with privileges, or a kernel without a second boundary, would allow. */
const REFUSED_CALLS: Record<string, string[]> = {
  ptrace: ["outcome('ptrace', libc.ptrace(16, 1, None, None))"],
  mount: [
    "os.makedirs('/tmp/m', exist_ok=True)",
    "outcome('mount', libc.mount(b'none', b'/tmp/m', b'tmpfs', 0, None))",
  ],
  unshare: ["outcome('unshare', libc.unshare(0x10000000 | 0x00020000))"],
  keyctl: ["outcome('keyctl', libc.syscall(SYSCALL['keyctl'], 0, -3, 0))"],
  perfEventOpen: [
    'attr = ctypes.create_string_buffer(128)',
    "outcome('perf_event_open', libc.syscall(SYSCALL['perf_event_open'], attr, 0, -1, -1, 0))",
  ],
  loadKernelModule: ["outcome('finit_module', libc.syscall(SYSCALL['finit_module'], 0, b'', 0))"],
};

const READS: Record<string, string[]> = {
  kernelVersion: ["raise RuntimeError('probe sees ' + open('/proc/version').read().strip())"],
  bootId: [
    "raise RuntimeError('probe sees ' + open('/proc/sys/kernel/random/boot_id').read().strip())",
  ],
  procSysWrite: ["open('/proc/sys/kernel/hostname', 'w').write('taken')", "outcome('write', 0)"],
};

describe.each(SANDBOX_RUNTIMES)('scene code probing the kernel under $name', (runtime) => {
  let service: TestService;
  const jobIds: Record<string, string> = {};

  beforeAll(async () => {
    await requireRuntime(runtime.setting);
    service = await startTestService({ env: { RENDER_RUNTIME: runtime.setting } });
    for (const [name, body] of Object.entries({ ...REFUSED_CALLS, ...READS })) {
      const submitted = await service.submit({ code: probeScene(body), quality: 'low' });
      expect(submitted.status).toBe(202);
      jobIds[name] = submitted.body.id;
    }
  });
  afterAll(async () => {
    await service?.close();
  });

  async function outcomeOf(name: string): Promise<JobView> {
    const id = jobIds[name] ?? '';
    const job = await service.waitForEnd(id);
    expect(await containersOfJob(id)).toEqual([]);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('scene_error');
    return job;
  }

  it.each(Object.keys(REFUSED_CALLS))('refuses %s', async (name) => {
    const job = await outcomeOf(name);
    expect(job.error?.message).toMatch(/probe [a-z_]+: refused, E[A-Z]+/);
  });

  it('cannot write kernel settings under /proc/sys', async () => {
    const job = await outcomeOf('procSysWrite');
    expect(job.error?.message).toMatch(/Read-only file system|Permission denied/);
  });

  const hostBootId = () => readFile('/proc/sys/kernel/random/boot_id', 'utf8');
  if (runtime.setting === 'runsc') {
    it("sees a kernel of gVisor's own, not the host's version and boot id", async () => {
      expect((await outcomeOf('kernelVersion')).error?.message).not.toContain(release());
      expect((await outcomeOf('bootId')).error?.message).not.toContain((await hostBootId()).trim());
    });
  } else {
    // What the second boundary hides: with the host's kernel shared, its version and boot id show.
    it("sees the host's kernel version and boot id", async () => {
      expect((await outcomeOf('kernelVersion')).error?.message).toContain(release());
      expect((await outcomeOf('bootId')).error?.message).toContain((await hostBootId()).trim());
    });
  }
});
