// The restaurant business rules both services share (a bundle may `require`
// any .js file of the app folder by a relative path).

// Slugs name restaurants in routes and menu files: lowercase words and dashes.
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

// A string as a where-clause literal: quoted, inner quotes doubled.
function quote(value) {
  return `'${String(value).replace(/'/g, "''")}'`
}

// The where clause of the restaurants a caller may see: open ones, and the
// members-only ones only for callers with the VIP role.
function visibleRestaurants(userRoles) {
  const vip = Array.isArray(userRoles) && userRoles.includes('VIP')
  return vip ? 'open = true' : 'open = true AND vipOnly = false'
}

// An order's life: placed -> preparing -> ready -> delivered.
const NEXT_STATUS = { placed: 'preparing', preparing: 'ready', ready: 'delivered' }

function checkSlug(slug) {
  if (typeof slug !== 'string' || !SLUG.test(slug)) {
    throw new Backendless.ServerCode.Error(400001, `Not a restaurant slug: ${JSON.stringify(slug)}`, 400)
  }
  return slug
}

// Orders matching `where`, in `order`, as the services show them.
async function findOrders(where, order) {
  const query = Backendless.DataQueryBuilder.create().setWhereClause(where).setSortBy([order]).setPageSize(100)
  const rows = await Backendless.Data.of('Order').find(query)
  return rows.map(o => ({ objectId: o.objectId, restaurant: o.restaurant, status: o.status, note: o.note }))
}

module.exports = { quote, visibleRestaurants, NEXT_STATUS, checkSlug, findOrders }
