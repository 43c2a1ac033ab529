const test = require('node:test');
const assert = require('node:assert/strict');
const { Emitter } = require('../src');

test('once fires one time', () => {
  const e = new Emitter();
  let n = 0;
  e.once('ready', () => n++);
  e.emit('ready');
  e.emit('ready');
  assert.equal(n, 1);
  assert.equal(e.listenerCount('ready'), 0);
});

test('once listener can be removed by original', () => {
  const e = new Emitter();
  const fn = () => {};
  e.once('a', fn).off('a', fn);
  assert.equal(e.emit('a'), false);
});
