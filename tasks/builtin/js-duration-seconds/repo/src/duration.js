const { UNIT_SECONDS } = require('./units');

/** Seconds in a duration like '1h30m' or '45s'. */
function parseDuration(text) {
  const units = Object.keys(UNIT_SECONDS).join('');
  const whole = new RegExp(`^(\\d+[${units}])+$`);
  if (!whole.test(text)) throw new Error(`bad duration "${text}"`);
  let total = 0;
  for (const [, n, unit] of text.matchAll(new RegExp(`(\\d+)([${units}])`, 'g'))) {
    total += Number(n) * UNIT_SECONDS[unit];
  }
  return total;
}

module.exports = { parseDuration };
