const test = require('node:test');
const assert = require('node:assert/strict');
const { sortBy } = require('../src/sort');
const { rankPlayers } = require('../src/leaderboard');

test('sort strings', () => {
  assert.deepEqual(sortBy(['b', 'a'], (x) => x), ['a', 'b']);
});

test('single digit scores', () => {
  const ranks = rankPlayers([{ name: 'a', score: 3 }, { name: 'b', score: 7 }]);
  assert.deepEqual(ranks.map((r) => r.name), ['b', 'a']);
});
