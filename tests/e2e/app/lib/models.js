// Types the services register with Backendless.ServerCode.addType.

// A data model: Dish.save() / Dish.find() use the table Dish.
class Dish extends Backendless.ServerCode.PersistenceItem {
  label() {
    return `${this.name} (${this.price} cents)`
  }
}

// A plain value type.
class Address {
  constructor(fields) {
    Object.assign(this, fields)
  }
  oneLine() {
    return `${this.street}, ${this.city}`
  }
}

module.exports = { Dish, Address }
