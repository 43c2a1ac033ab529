const { NUMERALS } = require('./table');

function toRoman(n) {
  if (!Number.isInteger(n) || n < 1 || n > 3999) throw new RangeError(`cannot write ${n}`);
  let out = '';
  for (const [value, letters] of NUMERALS) {
    while (n >= value) {
      out += letters;
      n -= value;
    }
  }
  return out;
}

function fromRoman(text) {
  let i = 0;
  let total = 0;
  for (const [value, letters] of NUMERALS) {
    while (text.startsWith(letters, i)) {
      total += value;
      i += letters.length;
    }
  }
  if (i !== text.length || text.length === 0) throw new Error(`not a numeral: ${text}`);
  return total;
}

module.exports = { fromRoman, toRoman };
