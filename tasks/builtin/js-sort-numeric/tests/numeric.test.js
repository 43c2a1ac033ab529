const test = require('node:test');
const assert = require('node:assert/strict');
const { sortBy } = require('../src/sort');
const { rankPlayers } = require('../src/leaderboard');

test('numeric scores ranked numerically', () => {
  const ranks = rankPlayers([{ name: 'nine', score: 9 }, { name: 'hundred', score: 100 }]);
  assert.deepEqual(ranks.map((r) => r.name), ['hundred', 'nine']);
});

test('ties keep order when descending', () => {
  const out = sortBy([{ id: 1, s: 5 }, { id: 2, s: 5 }], (x) => x.s, true);
  assert.deepEqual(out.map((x) => x.id), [1, 2]);
});
