import type { ContainerRunResult } from '../../src/render-engine/container-spec';
import type { RenderJobData } from '../../src/job/render-job';

/** A queued job of one small scene, as unit tests of the job pipeline use it. */
export const HELLO_JOB: RenderJobData = {
  code: 'from manim import *\n\nclass Hello(Scene):\n    def construct(self):\n        pass\n',
  options: {
    scene: 'Hello',
    manimVersion: '0.22.0',
    quality: 'low',
    format: 'mp4',
    transparent: false,
    timeoutSeconds: 60,
  },
};

/** A container run that exited 0 with no output. */
export function cleanExit(containerId: string, durationMs = 1): ContainerRunResult {
  return {
    containerId,
    exitCode: 0,
    stdout: '',
    stderr: '',
    timedOut: false,
    cancelled: false,
    oomKilled: false,
    durationMs,
  };
}
