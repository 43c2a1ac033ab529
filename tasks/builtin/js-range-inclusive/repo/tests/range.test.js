const test = require('node:test');
const assert = require('node:assert/strict');
const { range } = require('../src/range');

test('range excludes end by default', () => {
  assert.deepEqual(range(0, 3), [0, 1, 2]);
});

test('range with step', () => {
  assert.deepEqual(range(0, 10, { step: 5 }), [0, 5]);
});

test('range rejects zero step', () => {
  assert.throws(() => range(0, 1, { step: 0 }), RangeError);
});
