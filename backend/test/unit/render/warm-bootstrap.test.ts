import type { RenderOptions } from '../../../src/job/render-job';
import { buildManimArgs } from '../../../src/render/manim-command';
import {
  WARM_READY_LINE,
  warmBootstrapCommand,
  warmJobInput,
} from '../../../src/render/warm-bootstrap';

const OPTIONS: RenderOptions = {
  scene: 'Intro',
  quality: 'low',
  format: 'mp4',
  transparent: false,
  timeoutSeconds: 60,
};

describe('the warm container bootstrap', () => {
  it('gives a warm container, as one line, exactly the argv a cold container gets', () => {
    const line = warmJobInput(OPTIONS);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual(buildManimArgs(OPTIONS));
  });

  it('runs Python with the script on its command line and prints the ready line', () => {
    const [program, flag, script] = warmBootstrapCommand();
    expect([program, flag]).toEqual(['python3', '-c']);
    expect(script).toContain(`os.write(1, b"${WARM_READY_LINE}\\n")`);
    expect(script).toContain('sys.stdin.buffer.readline()');
  });
});
