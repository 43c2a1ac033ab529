function checkStep(step) {
  if (typeof step !== 'number' || !Number.isFinite(step) || step <= 0) {
    throw new RangeError(`step must be a positive number, got ${step}`);
  }
}

module.exports = { checkStep };
