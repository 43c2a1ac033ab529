const { checkStep } = require('./validate');

/** Numbers from start to end (end excluded unless options.inclusive), by options.step. */
function range(start, end, options = {}) {
  const step = options.step ?? 1;
  checkStep(step);
  const out = [];
  const done = (x) => x >= end;
  for (let x = start; !done(x); x += step) out.push(x);
  return out;
}

module.exports = { range };
