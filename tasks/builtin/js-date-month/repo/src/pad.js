function pad2(n) {
  return String(n).padStart(2, '0');
}

module.exports = { pad2 };
