import { formatRenderCounts } from '../../../src/api/metrics';
import { parseStatistics } from '../../../src/redis/render-statistics';

describe('render metrics', () => {
  it('reads the counters back from their Redis fields and writes a cumulative histogram', () => {
    const counts = parseStatistics({
      'duration:low:le:2': '1',
      'duration:low:le:5': '2',
      'duration:low:le:10': '2',
      'duration:low:sum': '4.5',
      'duration:low:count': '2',
      'failures:timeout': '3',
      'root-retries:completed': '2',
      'root-retries:refused': '1',
    });
    const text = formatRenderCounts(counts);
    expect(text).toContain('# TYPE manim_render_duration_seconds histogram');
    expect(text).toContain('manim_render_duration_seconds_bucket{quality="low",le="1"} 0');
    expect(text).toContain('manim_render_duration_seconds_bucket{quality="low",le="5"} 2');
    expect(text).toContain('manim_render_duration_seconds_bucket{quality="low",le="+Inf"} 2');
    expect(text).toContain('manim_render_duration_seconds_sum{quality="low"} 4.5');
    expect(text).toContain('manim_render_failures_total{code="timeout"} 3');
    expect(text).toContain('# TYPE manim_render_root_retries_total counter');
    expect(text).toContain('manim_render_root_retries_total{outcome="completed"} 2');
    expect(text).toContain('manim_render_root_retries_total{outcome="refused"} 1');
  });

  it('writes only the headers when nothing has rendered yet', () => {
    const text = formatRenderCounts(parseStatistics({}));
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([]);
  });
});
