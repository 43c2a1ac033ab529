const UNIT_SECONDS = { h: 3600, m: 60 };

module.exports = { UNIT_SECONDS };
