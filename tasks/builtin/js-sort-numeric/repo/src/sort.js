/** A sorted copy, by key(item), ascending or descending; stable. */
function sortBy(items, key, descending = false) {
  const sign = descending ? -1 : 1;
  const sorted = [...items].sort((a, b) => String(key(a)).localeCompare(String(key(b))));
  return descending ? sorted.reverse() : sorted;
}

module.exports = { sortBy };
