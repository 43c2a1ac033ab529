const test = require('node:test');
const assert = require('node:assert/strict');
const { parseDuration } = require('../src/duration');

test('hours and minutes', () => {
  assert.equal(parseDuration('1h30m'), 5400);
});

test('garbage rejected', () => {
  assert.throws(() => parseDuration('soon'));
});

test('minutes only', () => {
  assert.equal(parseDuration('5m'), 300);
});
