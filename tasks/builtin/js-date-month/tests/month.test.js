const test = require('node:test');
const assert = require('node:assert/strict');
const { formatDate } = require('../src/format');

test('march is 03', () => {
  assert.equal(formatDate(new Date(Date.UTC(2024, 2, 5))), '2024-03-05');
});

test('january is 01', () => {
  assert.equal(formatDate(new Date(Date.UTC(2023, 0, 31))), '2023-01-31');
});
