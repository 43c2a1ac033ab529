const test = require('node:test');
const assert = require('node:assert/strict');
const { fromRoman, toRoman } = require('../src/roman');

test('nine hundred', () => {
  assert.equal(toRoman(900), 'CM');
  assert.equal(toRoman(1994), 'MCMXCIV');
});

test('four hundred read back', () => {
  assert.equal(fromRoman('CDXLIV'), 444);
});
