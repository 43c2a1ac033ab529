const test = require('node:test');
const assert = require('node:assert/strict');
const { range } = require('../src/range');

test('inclusive range includes end', () => {
  assert.deepEqual(range(1, 5, { inclusive: true }), [1, 2, 3, 4, 5]);
});

test('inclusive range with step', () => {
  assert.deepEqual(range(0, 10, { step: 5, inclusive: true }), [0, 5, 10]);
});
