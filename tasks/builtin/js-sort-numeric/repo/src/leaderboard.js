const { sortBy } = require('./sort');

function rankPlayers(players) {
  return sortBy(players, (p) => p.score, true).map((p, i) => ({ rank: i + 1, name: p.name }));
}

module.exports = { rankPlayers };
