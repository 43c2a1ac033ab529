/** 'a=1&b=2' from {a: 1, b: 2}; undefined values are left out. */
function buildQuery(params) {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => encodeURI(`${k}=${v}`))
    .join('&');
}

function parseQuery(text) {
  const out = {};
  for (const part of text.replace(/^\?/, '').split('&')) {
    if (!part) continue;
    const [k, v = ''] = part.split('=');
    out[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, ' '));
  }
  return out;
}

module.exports = { buildQuery, parseQuery };
