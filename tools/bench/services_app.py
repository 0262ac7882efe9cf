# The services benchmark's app, through the HTTP API: setup, and the
# one-client measurements (c) and (d). Used by tools/bench/services and
# tools/bench/instructions.
#   python3 services_app.py setup URL DATA_DIR            prints the app's base path
#   python3 services_app.py deploys URL DATA_DIR N       "total_ms deploy_ms first_ms" per deploy
#   python3 services_app.py memory URL DATA_DIR PID N    "before_kb after_kb"
import json, statistics, sys, time, urllib.error, urllib.request

mode, url, data_dir = sys.argv[1], sys.argv[2], sys.argv[3]
token = open(data_dir + "/admin.token").read().strip()

def call(method, path, body=None, admin=False, raw=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if admin:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit("bench/services: %s %s answered %d: %s" % (method, path, e.code, e.read().decode()))

HELLO = """
const VERSION = %s;
class Hello {
  hello() { return { ok: true }; }
  version() { return VERSION; }
}
Backendless.ServerCode.addService(Hello);
"""
CATALOG = """
class Catalog {
  /** @param {number} n */
  async find(n) {
    const q = Backendless.DataQueryBuilder.create().setWhereClause(`category = ${Number(n)}`).setPageSize(20);
    return Backendless.Data.of('Item').find(q);
  }
}
Backendless.ServerCode.addService(Catalog);
"""
ANON = ["NotAuthenticatedUser", "RestUser"]

def policy(name, services, data=False):
    p = {"name": name, "rules": [{"grant": ["invoke"], "roles": ANON, "on": "service:" + s} for s in services]}
    if data:
        p["rules"].append({"grant": ["create"], "roles": ANON, "on": "data:Item"})
        p["tables"] = {"Item": {"columns": {"category": "number", "name": "string", "price": "number"},
                                "indexes": [["category"]]}}
    return p

def new_app(name):
    app = call("POST", "/admin/apps", {"name": name}, admin=True)
    return app["id"], "/%s/%s" % (app["id"], app["keys"]["REST"])

def deploy(app_id, files, pol):
    return call("POST", "/admin/apps/%s/deploy" % app_id, {"files": files, "policy": pol}, admin=True)

def rss_kb(pid):
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

if mode == "setup":
    app_id, base = new_app("bench")
    deploy(app_id, {"services/hello.js": HELLO % "'v1'", "services/catalog.js": CATALOG},
           policy("bench", ["Hello", "Catalog"], data=True))
    for start in range(0, 10000, 100):
        rows = [{"category": i % 500, "name": "item %d" % i, "price": i / 100} for i in range(start, start + 100)]
        assert len(call("POST", base + "/data/bulk/Item", rows)) == 100
    assert call("POST", base + "/services/Hello/hello") == {"ok": True}
    page = call("POST", base + "/services/Catalog/find", raw=b"123")
    assert len(page) == 20 and all(r["category"] == 123 for r in page), page
    print(base)

elif mode == "deploys":  # (c): prints "total_ms deploy_ms first_answer_ms" per deploy
    app_id, base = new_app("deploys")
    for v in range(int(sys.argv[4]) + 1):  # the first deploy makes the app's first version: not counted
        version = "v%d" % v
        t0 = time.perf_counter()
        deploy(app_id, {"services/hello.js": HELLO % json.dumps(version)}, policy("deploys", ["Hello"]))
        t1 = time.perf_counter()
        while call("POST", base + "/services/Hello/version") != version:
            pass
        t2 = time.perf_counter()
        if v > 0:
            print("%.3f %.3f %.3f" % ((t2 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3))

elif mode == "memory":  # (d): prints "before_kb after_kb"
    pid, count = sys.argv[4], int(sys.argv[5])
    time.sleep(0.5)
    before = rss_kb(pid)
    for i in range(count):
        app_id, base = new_app("warm%d" % i)
        deploy(app_id, {"services/hello.js": HELLO % "'w'"}, policy("warm%d" % i, ["Hello"]))
        assert call("POST", base + "/services/Hello/hello") == {"ok": True}
    time.sleep(0.5)
    print(before, rss_kb(pid))
