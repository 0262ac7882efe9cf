// The motivating scenario: customers may not read Restaurant directly (no
// rule in cloudkeep.json opens it to them), but this service, which they may
// invoke, reads it for them as ServerCodeUser, limited by its grants
// (cloudkeep.json services.CustomerService.grants: find on Restaurant, find
// and create on Order).

const ORDER_FIELDS = ['restaurantId', 'note', 'customerId']

class CustomerService {
  /**
   * The restaurants, by name; only those of `city` when one is given.
   * @param {string} city
   * @returns {Promise.<Object[]>}
   */
  async getRestaurants(city) {
    const query = Backendless.DataQueryBuilder.create().setSortBy(['name']).setPageSize(100)
    if (city) query.setWhereClause(`city = '${String(city).replace(/'/g, "''")}'`)
    const { userId } = this.request.context
    console.log(`getRestaurants for ${userId}`)
    return Backendless.Data.of('Restaurant').find(query)
  }

  /** Who called, as this.request.context says. */
  whoAmI() {
    const c = this.request.context
    return {
      appId: c.appId,
      userId: c.userId,
      userRoles: c.userRoles,
      deviceType: c.deviceType,
      hasUserToken: typeof c.userToken === 'string' && c.userToken.length > 0,
      httpPath: c.httpPath,
    }
  }

  /**
   * Saves an order for the caller; the host makes the caller its owner.
   * @param {string} restaurantId
   * @param {string} note
   */
  async placeOrder(restaurantId, note) {
    const restaurant = await Backendless.Data.of('Restaurant').findById(restaurantId)
    const order = { restaurantId: restaurant.objectId, note, customerId: this.request.context.userId }
    const saved = await Backendless.Data.of('Order').save(order)
    const out = { objectId: saved.objectId, ownerId: saved.ownerId }
    for (const f of ORDER_FIELDS) out[f] = saved[f]
    return out
  }

  /**
   * Runs one data operation as the service (ServerCodeUser) and says how it
   * went: { ok, value } or { ok: false, code }.
   * @param {string} op find | remove
   * @param {string} table
   */
  async tryAsServer(op, table) {
    return attempt(async () => {
      const store = Backendless.Data.of(table)
      if (op === 'find') return (await store.find()).length
      const first = await Backendless.asServer().Data.of(table).findFirst()
      return store.remove(first ? first.objectId : 'NO-SUCH-ID')
    })
  }

  /**
   * Finds in `table` as the caller (Backendless.asCaller()): the caller's own
   * permissions decide, not the service's.
   * @param {string} table
   */
  async findAsCaller(table) {
    return attempt(async () => {
      const rows = await Backendless.asCaller().Data.of(table).find(
        Backendless.DataQueryBuilder.create().setPageSize(100))
      return rows.map(r => ({ objectId: r.objectId, ownerId: r.ownerId }))
    })
  }

  /** Logs the caller's token (the host redacts it) and then fails with it. */
  leakToken() {
    const token = this.request.context.userToken
    console.log(`the caller's token is ${token}`)
    Backendless.Logging.getLogger('leaky').warn('token again:', token)
    throw new Error(`failing with ${token}`)
  }
}

async function attempt(fn) {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, code: e.code, message: e.message }
  }
}

Backendless.ServerCode.addService(CustomerService)
