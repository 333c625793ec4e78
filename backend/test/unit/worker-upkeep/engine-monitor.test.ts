import {
  engineProblemLine,
  observePing,
  type EngineHealth,
  type PingResult,
} from '../../../src/worker-upkeep/engine-monitor';

const nothingListens = {
  message: 'Docker Engine unavailable: nothing listens on /var/run/docker.sock',
  hint: 'Start the Docker Engine.',
};
const permissionDenied = {
  message: 'Docker Engine unavailable: permission denied on /var/run/docker.sock',
  hint: 'Add the worker to the socket group.',
};
const refused: PingResult = { ok: false, problem: nothingListens };
const denied: PingResult = { ok: false, problem: permissionDenied };
const answered: PingResult = { ok: true };

/** Feeds the results in order and returns the transition each one made. */
function transitions(results: PingResult[]): Array<string | undefined> {
  let health: EngineHealth = { state: 'unknown' };
  return results.map((result) => {
    const observed = observePing(health, result);
    health = observed.health;
    return observed.transition;
  });
}

describe('the Docker Engine monitor', () => {
  it('reports the engine up on the first answer and stays quiet while it keeps answering', () => {
    expect(transitions([answered, answered, answered])).toEqual(['came-up', undefined, undefined]);
  });

  it('reports the engine down once however many pings go unanswered', () => {
    expect(transitions([answered, refused, refused, refused])).toEqual([
      'came-up',
      'went-down',
      undefined,
      undefined,
    ]);
  });

  it('reports the engine down from the start when it never answered', () => {
    const observed = observePing({ state: 'unknown' }, refused);
    expect(observed).toEqual({
      health: { state: 'down', problem: nothingListens },
      transition: 'went-down',
    });
  });

  it('reports a new reason while down, so the fix it needs is logged', () => {
    expect(transitions([refused, denied, denied, refused])).toEqual([
      'went-down',
      'problem-changed',
      undefined,
      'problem-changed',
    ]);
  });

  it('reports the engine back when it answers after being down', () => {
    expect(transitions([answered, refused, answered, answered])).toEqual([
      'came-up',
      'went-down',
      'came-up',
      undefined,
    ]);
  });

  it('keeps the latest reason in the health while down', () => {
    let health: EngineHealth = { state: 'unknown' };
    for (const result of [refused, denied]) health = observePing(health, result).health;
    expect(health).toEqual({ state: 'down', problem: permissionDenied });
  });
});

describe('the plain line for people reading the worker stderr', () => {
  it('holds the cause and the fix on one line', () => {
    expect(engineProblemLine('worker', permissionDenied)).toBe(
      'worker: Docker Engine unavailable: permission denied on /var/run/docker.sock; not taking jobs until the engine answers (fix: Add the worker to the socket group.)\n',
    );
  });
});
