// The restaurants' point of sale: staff (role Staff) see the orders and move
// them along. Its grants are find and update on Order only: it can neither
// create nor delete orders, and cannot touch restaurants or files.
const { quote, NEXT_STATUS, findOrders } = require('../lib/rules')

class POSService {
  /**
   * The orders in `status` (default: placed), oldest first.
   * @route GET /orders
   * @param {string} status
   */
  async getOrders(status) {
    return findOrders(`status = ${quote(status || 'placed')}`, 'created')
  }

  /**
   * Moves an order to its next status (placed, preparing, ready, delivered).
   * @route PUT /orders/{orderId}/advance
   */
  async advanceOrder() {
    const { orderId } = this.request.pathParams
    const order = await Backendless.Data.of('Order').findById(orderId).catch(e => {
      if (e.code === 1000) throw new Backendless.ServerCode.Error(404002, `No order ${orderId}`, 404)
      throw e
    })
    const next = NEXT_STATUS[order.status]
    if (!next) {
      throw new Backendless.ServerCode.Error(400002, `Order ${orderId} is ${order.status}; it goes no further`, 400)
    }
    const saved = await Backendless.Data.of('Order').save({ objectId: orderId, status: next })
    return { objectId: saved.objectId, status: saved.status }
  }
}

Backendless.ServerCode.addService(POSService)
