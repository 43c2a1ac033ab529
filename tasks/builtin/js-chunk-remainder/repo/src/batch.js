const { chunk } = require('./chunk');

/** Apply fn to each batch of `size` items; returns the results in order. */
function batchProcess(items, size, fn) {
  return chunk(items, size).map((batch, index) => fn(batch, index));
}

module.exports = { batchProcess };
