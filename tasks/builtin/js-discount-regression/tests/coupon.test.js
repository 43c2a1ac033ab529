const test = require('node:test');
const assert = require('node:assert/strict');
const { cartTotal } = require('../src/cart');

test('SAVE10 takes ten percent', () => {
  assert.equal(cartTotal([{ price: 50, qty: 2 }], 'SAVE10'), 90);
});

test('HALF coupon', () => {
  assert.equal(cartTotal([{ price: 3, qty: 1 }], 'HALF'), 1.5);
});
