const { flatten } = require('./flatten');

/** All leaf labels of a nested menu, in order. */
function leafLabels(menu) {
  const walk = (node) => (node.children ? node.children.map(walk) : [node.label]);
  return flatten(walk(menu));
}

module.exports = { leafLabels };
