const test = require('node:test');
const assert = require('node:assert/strict');
const { flatten } = require('../src/flatten');

test('depth one', () => {
  assert.deepEqual(flatten([1, [2, [3]]], 1), [1, 2, [3]]);
});

test('depth two', () => {
  assert.deepEqual(flatten([1, [2, [3, [4]]]], 2), [1, 2, 3, [4]]);
});
