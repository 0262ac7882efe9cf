// Shared by the services through require('../lib/pricing').
const money = require('./money')
const taxes = require('./taxes.json')

function taxRate(city) {
  return Object.prototype.hasOwnProperty.call(taxes, city) ? taxes[city] : taxes.default
}

exports.priceWithTax = (cents, city, currency) => {
  const total = Math.round(cents * (100 + taxRate(city)) / 100)
  return { cents: total, text: money.format(total, currency), taxRate: taxRate(city) }
}
