// For deploy and rollback under load: the tests deploy copies of this file
// with another VERSION.
const VERSION = 'v1'

class VersionService {
  version() {
    return VERSION
  }

  /**
   * Says it started (in the app's cache), then runs until release(token) is
   * called, and answers with the version it ran on.
   * @param {string} token
   * @executionTimeoutInSeconds 30
   */
  async hold(token) {
    await Backendless.Cache.put(`started:${token}`, VERSION)
    while (!(await Backendless.Cache.contains(`release:${token}`))) {
      // Busy: Date.now() does not move inside an invocation, and no timers exist.
    }
    return VERSION
  }

  /**
   * The version hold(token) runs on, or null before it started.
   * @param {string} token
   */
  started(token) {
    return Backendless.Cache.get(`started:${token}`)
  }

  /** @param {string} token */
  async release(token) {
    await Backendless.Cache.put(`release:${token}`, true)
    return VERSION
  }
}

Backendless.ServerCode.addService(VersionService)
