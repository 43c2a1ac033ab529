const test = require('node:test');
const assert = require('node:assert/strict');
const { render } = require('../src/template');

test('fills keys', () => {
  assert.equal(render('{a}-{b}', { a: 1, b: 'x' }), '1-x');
});

test('no placeholders', () => {
  assert.equal(render('plain', {}), 'plain');
});
