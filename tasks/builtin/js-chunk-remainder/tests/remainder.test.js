const test = require('node:test');
const assert = require('node:assert/strict');
const { chunk } = require('../src/chunk');
const { batchProcess } = require('../src/batch');

test('last partial chunk kept', () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});

test('batch sees tail', () => {
  assert.deepEqual(batchProcess([1, 2, 3], 2, (b) => b.length), [2, 1]);
});

test('empty input', () => {
  assert.deepEqual(chunk([], 3), []);
});
