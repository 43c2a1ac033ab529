const test = require('node:test');
const assert = require('node:assert/strict');
const { buildQuery, parseQuery } = require('../src/query');
const { buildUrl } = require('../src/url');

test('ampersand in value is encoded', () => {
  assert.equal(buildUrl('/search', { q: 'salt & pepper' }), '/search?q=salt%20%26%20pepper');
});

test('round trip of special characters', () => {
  const params = { 'a=b': 'c&d', e: '100%' };
  assert.deepEqual(parseQuery(buildQuery(params)), params);
});
