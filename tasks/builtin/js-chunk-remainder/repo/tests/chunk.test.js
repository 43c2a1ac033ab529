const test = require('node:test');
const assert = require('node:assert/strict');
const { chunk } = require('../src/chunk');
const { batchProcess } = require('../src/batch');

test('even chunks', () => {
  assert.deepEqual(chunk([1, 2, 3, 4], 2), [[1, 2], [3, 4]]);
});

test('bad size', () => {
  assert.throws(() => chunk([1], 0), RangeError);
});

test('batch sums', () => {
  assert.deepEqual(batchProcess([1, 2, 3, 4], 2, (b) => b[0] + b[1]), [3, 7]);
});
