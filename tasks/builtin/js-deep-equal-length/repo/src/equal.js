function isObject(x) {
  return x !== null && typeof x === 'object';
}

function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

module.exports = { deepEqual };
