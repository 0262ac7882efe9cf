// Routes with path parameters, config items, a multi-file bundle, typed
// parameters and errors. cloudkeep.json lets everyone invoke it.
const { priceWithTax } = require('../lib/pricing')
const { Dish, Address } = require('../lib/models')

class MenuService {
  /**
   * One dish of a restaurant's menu, priced in the configured currency.
   * @route GET /restaurants/{city}/dishes/{dishId}
   * @param {number} cents
   * @param {boolean} spicy
   */
  getDish(cents, spicy) {
    const { city, dishId } = this.request.pathParams
    return {
      city, dishId, cents, spicy,
      price: priceWithTax(cents, city, this.config.currency),
      contextPathParams: this.request.context.httpPathParams,
      queryParams: this.request.queryParams,
    }
  }

  /**
   * Adds a review to a city's restaurants; 201 with a Location header.
   * @route POST /restaurants/{city}/reviews
   * @param {Object} review
   */
  addReview(review) {
    const city = this.request.pathParams.city || null
    this.response.statusCode = 201
    this.response.headers['Location'] = `/reviews/${encodeURIComponent(city || 'none')}/1`
    return { city, review }
  }

  /**
   * @route PUT /orders/{orderId}/status/{status}
   */
  setStatus() {
    return { orderId: this.request.pathParams.orderId, status: this.request.pathParams.status }
  }

  /**
   * A literal route beats one with a parameter at the same place.
   * @route GET /restaurants/{city}/dishes/special
   */
  getSpecial() {
    return { special: this.request.pathParams.city }
  }

  /** The config, with the items' defaults applied. */
  getSettings() {
    return this.config
  }

  /**
   * Registered types arrive as instances.
   * @param {Dish} dish
   * @param {Address} address
   */
  describeDelivery(dish, address) {
    return {
      dishIsDish: dish instanceof Dish,
      dishIsPersistenceItem: dish instanceof Backendless.ServerCode.PersistenceItem,
      addressIsAddress: address instanceof Address,
      text: `${dish.label()} to ${address.oneLine()}`,
    }
  }

  /**
   * Arrays of a registered type arrive as arrays of instances.
   * @param {Dish[]} dishes
   * @param {Array.<Address>} stops
   */
  planRoute(dishes, stops) {
    return {
      allDishes: dishes.every(d => d instanceof Dish),
      allAddresses: stops.every(a => a instanceof Address),
      labels: dishes.map(d => d.label()),
      stops: stops.map(a => a.oneLine()),
    }
  }

  /**
   * A PersistenceItem saves itself (as the service, owned by the caller).
   * @param {Dish} dish
   */
  async saveDish(dish) {
    const saved = await dish.save()
    const found = await Dish.findById(saved.objectId)
    return {
      isDish: saved instanceof Dish && found instanceof Dish,
      objectId: saved.objectId,
      ownerId: saved.ownerId,
      label: found.label(),
      count: await Dish.count(`name = '${String(dish.name).replace(/'/g, "''")}'`),
    }
  }

  /** A Backendless.ServerCode.Error becomes the response. */
  refuse() {
    throw new Backendless.ServerCode.Error(4242, 'The kitchen is closed today', 409)
  }

  /** Without an HTTP status: 400. */
  async refuseLater() {
    await null
    throw new Backendless.ServerCode.Error(4243, 'No table free')
  }

  /** Any other throw: 500 with a safe message. */
  crash() {
    const secrets = { password: 'hunter2' }
    throw new TypeError(`internal detail: ${secrets.password}`)
  }

  /** A rejected promise of a non-Error. */
  async rejectWithString() {
    throw 'a plain string with internal detail'  // eslint-disable-line no-throw-literal
  }

  /** @private */
  internalHelper() {
    return 'never reachable over HTTP'
  }
}

Backendless.ServerCode.addType(Dish)
Backendless.ServerCode.addType(Address)
Backendless.ServerCode.addService(MenuService, [
  { name: 'currency', displayName: 'Currency', type: 'string', defaultValue: 'EUR', required: true },
  { name: 'maxItems', displayName: 'Most items per order', type: 'number', defaultValue: 3 },
  { name: 'deliveries', type: 'bool', defaultValue: false },
  { name: 'apiKey', displayName: 'Partner API key', type: 'string' },
])
