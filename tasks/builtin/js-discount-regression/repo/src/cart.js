const { applyDiscount } = require('./price');
const { COUPONS } = require('./coupons');

function cartTotal(lines, coupon) {
  const subtotal = lines.reduce((sum, l) => sum + l.price * l.qty, 0);
  if (!coupon) return subtotal;
  const fraction = COUPONS[coupon];
  if (fraction === undefined) throw new Error(`unknown coupon ${coupon}`);
  return applyDiscount(subtotal, fraction);
}

module.exports = { cartTotal };
