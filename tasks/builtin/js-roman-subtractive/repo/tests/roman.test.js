const test = require('node:test');
const assert = require('node:assert/strict');
const { fromRoman, toRoman } = require('../src/roman');

test('small numbers', () => {
  assert.equal(toRoman(14), 'XIV');
  assert.equal(toRoman(49), 'XLIX');
});

test('out of range', () => {
  assert.throws(() => toRoman(0), RangeError);
});

test('read back', () => {
  assert.equal(fromRoman('XCIX'), 99);
});
