import { isSaneRequestId } from '../../../src/api/middleware/request-id';

describe('isSaneRequestId', () => {
  it.each(['abc', 'req-42', 'a.b_c-D', '0f8fad5b-d9cb-469f-a165-70867728950e', 'x'.repeat(128)])(
    "keeps the caller's id %p",
    (id) => {
      expect(isSaneRequestId(id)).toBe(true);
    },
  );

  it.each([undefined, '', 'x'.repeat(129), 'has space', 'line\nbreak', '{"json":1}', 'ünï'])(
    'replaces %p with a new id',
    (id) => {
      expect(isSaneRequestId(id)).toBe(false);
    },
  );
});
