const { buildQuery } = require('./query');

function buildUrl(path, params = {}) {
  const query = buildQuery(params);
  return query ? `${path}?${query}` : path;
}

module.exports = { buildUrl };
