const test = require('node:test');
const assert = require('node:assert/strict');
const { render } = require('../src/template');
const { MissingKeyError } = require('../src/errors');

test('missing key renders empty', () => {
  assert.equal(render('Hello {name}!', {}), 'Hello !');
});

test('strict mode throws MissingKeyError', () => {
  assert.throws(() => render('{x}', {}, { strict: true }), (e) => e instanceof MissingKeyError && e.key === 'x');
});
