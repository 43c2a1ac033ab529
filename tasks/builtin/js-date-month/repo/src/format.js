const { pad2 } = require('./pad');

/** YYYY-MM-DD of a Date in UTC. */
function formatDate(date) {
  return `${date.getUTCFullYear()}-${pad2(date.getUTCMonth())}-${pad2(date.getUTCDate())}`;
}

/** HH:MM in UTC. */
function formatTime(date) {
  return `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}`;
}

module.exports = { formatDate, formatTime };
