class MissingKeyError extends Error {
  constructor(key) {
    super(`missing template key: ${key}`);
    this.name = 'MissingKeyError';
    this.key = key;
  }
}

module.exports = { MissingKeyError };
