const test = require('node:test');
const assert = require('node:assert/strict');
const { deepEqual } = require('../src/equal');
const { diffKeys } = require('../src/diff');

test('longer array not equal', () => {
  assert.equal(deepEqual([1, 2], [1, 2, 3]), false);
});

test('extra key not equal', () => {
  assert.equal(deepEqual({ a: 1 }, { a: 1, b: 2 }), false);
});

test('diff sees added nested item', () => {
  assert.deepEqual(diffKeys({ l: [1] }, { l: [1, 2] }), ['l']);
});
