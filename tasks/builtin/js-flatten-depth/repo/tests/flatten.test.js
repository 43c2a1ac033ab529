const test = require('node:test');
const assert = require('node:assert/strict');
const { flatten } = require('../src/flatten');
const { leafLabels } = require('../src/tree');

test('depth zero is a copy', () => {
  assert.deepEqual(flatten([1, [2]], 0), [1, [2]]);
});

test('full flatten', () => {
  assert.deepEqual(flatten([1, [2, [3, [4]]]]), [1, 2, 3, 4]);
});

test('menu leaves', () => {
  const menu = { children: [{ label: 'a' }, { children: [{ label: 'b' }] }] };
  assert.deepEqual(leafLabels(menu), ['a', 'b']);
});
