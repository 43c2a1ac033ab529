const test = require('node:test');
const assert = require('node:assert/strict');
const { parseDuration } = require('../src/duration');

test('seconds unit', () => {
  assert.equal(parseDuration('90s'), 90);
});

test('minutes and seconds', () => {
  assert.equal(parseDuration('1m30s'), 90);
});
