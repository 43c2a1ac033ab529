const { MissingKeyError } = require('./errors');

function render(template, values, options = {}) {
  return template.replace(/\{(\w+)\}/g, (_, key) => {
    return String(values[key]);
  });
}

module.exports = { render };
