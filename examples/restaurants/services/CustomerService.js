// What a customer may do. The Customer role has no direct access to any
// table or file (cloudkeep.json opens nothing else to it): it may invoke this
// service, whose data and file calls run as ServerCodeUser, narrowed to the
// service's grants (find on Restaurant, find and create on Order, read under
// /menus), on behalf of the calling customer.
const { quote, visibleRestaurants, checkSlug, findOrders } = require('../lib/rules')

const RESTAURANT_FIELDS = ['slug', 'name', 'city']

class CustomerService {
  /**
   * The open restaurants the caller may see, by name; only those of `city`
   * when one is given. Members-only restaurants are shown to VIPs.
   * @route GET /restaurants
   * @param {string} city
   * @returns {Promise.<Object[]>}
   */
  async getRestaurants(city) {
    const { userRoles } = this.request.context
    let where = visibleRestaurants(userRoles)
    // Invoked by POST with no arguments, the SDK sends an empty body: only a
    // non-empty string narrows by city.
    if (typeof city === 'string' && city !== '') where += ` AND city = ${quote(city)}`
    const query = Backendless.DataQueryBuilder.create()
      .setWhereClause(where)
      .setProperties(RESTAURANT_FIELDS)
      .setSortBy(['name'])
      .setPageSize(100)
    const rows = await Backendless.Data.of('Restaurant').find(query)
    return rows.map(r => ({ city: r.city, name: r.name, slug: r.slug }))
  }

  /**
   * Places an order at an open restaurant the caller may see. The order is
   * stored owned by the caller (the host sets ownerId to who called).
   * @route POST /orders
   * @param {string} restaurant the restaurant's slug
   * @param {string} note
   */
  async placeOrder(restaurant, note) {
    const found = await this.visible(checkSlug(restaurant))
    if (!found) {
      throw new Backendless.ServerCode.Error(404001, `No open restaurant ${restaurant}`, 404)
    }
    const order = await Backendless.Data.of('Order').save({
      restaurant: found.slug,
      city: found.city,
      status: 'placed',
      note: note == null ? '' : String(note).slice(0, 500),
    })
    console.log(`order ${order.objectId} placed at ${found.slug}`)
    this.response.statusCode = 201
    return { objectId: order.objectId, ownerId: order.ownerId, restaurant: order.restaurant, status: order.status }
  }

  /**
   * The caller's own orders, newest first.
   * @route GET /orders
   */
  async getMyOrders() {
    return findOrders(`ownerId = ${quote(this.request.context.userId)}`, 'created DESC')
  }

  /**
   * Today's menu of a restaurant the caller may see, as text.
   * @route GET /restaurants/{slug}/menu
   */
  async getMenu() {
    const slug = checkSlug(this.request.pathParams.slug)
    if (!(await this.visible(slug))) {
      throw new Backendless.ServerCode.Error(404001, `No open restaurant ${slug}`, 404)
    }
    return Backendless.Files.read(`/menus/${slug}.txt`)
  }

  /**
   * The restaurant `slug` when the caller may see it, else null.
   * @private
   */
  async visible(slug) {
    const where = `${visibleRestaurants(this.request.context.userRoles)} AND slug = ${quote(slug)}`
    return Backendless.Data.of('Restaurant').findFirst(Backendless.DataQueryBuilder.create().setWhereClause(where))
  }
}

Backendless.ServerCode.addService(CustomerService)
