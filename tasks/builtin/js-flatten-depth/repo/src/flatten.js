function flatten(items, depth = Infinity) {
  if (depth < 0 || Number.isNaN(depth)) throw new RangeError('depth must be >= 0');
  const out = [];
  for (const item of items) {
    if (Array.isArray(item) && depth > 1) out.push(...flatten(item, depth - 1));
    else out.push(item);
  }
  return out;
}

module.exports = { flatten };
