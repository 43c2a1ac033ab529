const test = require('node:test');
const assert = require('node:assert/strict');
const { deepEqual } = require('../src/equal');
const { diffKeys } = require('../src/diff');

test('equal nested', () => {
  assert.ok(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
});

test('different value', () => {
  assert.ok(!deepEqual({ a: 1 }, { a: 2 }));
});

test('diff changed key', () => {
  assert.deepEqual(diffKeys({ a: 1, b: 2 }, { a: 1, b: 3 }), ['b']);
});
