// Required by lib/pricing.js: a relative require from a required file.
exports.format = (cents, currency) => `${(cents / 100).toFixed(2)} ${currency}`
