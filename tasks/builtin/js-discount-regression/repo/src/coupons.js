/** Coupon code -> discount as a fraction of the price. */
const COUPONS = { SAVE10: 0.1, HALF: 0.5 };

module.exports = { COUPONS };
