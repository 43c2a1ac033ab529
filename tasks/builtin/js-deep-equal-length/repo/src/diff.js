const { deepEqual } = require('./equal');

/** Keys whose values differ between two settings objects, sorted. */
function diffKeys(before, after) {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !deepEqual(before[k], after[k])).sort();
}

module.exports = { diffKeys };
