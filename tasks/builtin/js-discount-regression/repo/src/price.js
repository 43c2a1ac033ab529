/** Price after a discount given in percent (0-100), rounded to cents. */
function applyDiscount(price, percent) {
  if (percent < 0 || percent > 100) throw new RangeError(`bad discount ${percent}%`);
  return Math.round(price * (100 - percent)) / 100;
}

module.exports = { applyDiscount };
