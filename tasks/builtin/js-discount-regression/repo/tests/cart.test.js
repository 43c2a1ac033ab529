const test = require('node:test');
const assert = require('node:assert/strict');
const { cartTotal } = require('../src/cart');
const { applyDiscount } = require('../src/price');

test('no coupon', () => {
  assert.equal(cartTotal([{ price: 5, qty: 2 }]), 10);
});

test('percent discount', () => {
  assert.equal(applyDiscount(200, 10), 180);
});

test('unknown coupon', () => {
  assert.throws(() => cartTotal([{ price: 1, qty: 1 }], 'NOPE'));
});
