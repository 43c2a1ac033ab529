const test = require('node:test');
const assert = require('node:assert/strict');
const { buildQuery, parseQuery } = require('../src/query');
const { buildUrl } = require('../src/url');

test('simple query', () => {
  assert.equal(buildQuery({ a: 1, b: 'x' }), 'a=1&b=x');
});

test('undefined dropped', () => {
  assert.equal(buildUrl('/p', { a: undefined }), '/p');
});

test('parse plus as space', () => {
  assert.deepEqual(parseQuery('?q=a+b'), { q: 'a b' });
});
