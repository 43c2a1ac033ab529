const test = require('node:test');
const assert = require('node:assert/strict');
const { Emitter } = require('../src');

test('on fires each time', () => {
  const e = new Emitter();
  let n = 0;
  e.on('x', () => n++);
  e.emit('x');
  e.emit('x');
  assert.equal(n, 2);
});

test('off removes', () => {
  const e = new Emitter();
  const fn = () => {};
  e.on('x', fn).off('x', fn);
  assert.equal(e.listenerCount('x'), 0);
});
