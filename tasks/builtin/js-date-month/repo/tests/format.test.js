const test = require('node:test');
const assert = require('node:assert/strict');
const { formatTime } = require('../src/format');
const { pad2 } = require('../src/pad');

test('pads', () => {
  assert.equal(pad2(7), '07');
});

test('time', () => {
  assert.equal(formatTime(new Date(Date.UTC(2024, 0, 1, 9, 5))), '09:05');
});
