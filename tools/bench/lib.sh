# Shared pieces of the HTTP benchmarks (http, data, services); sourced, not run.
#
#   bench=NAME; source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_args "$@"       # --rounds N --duration S --connections N (defaults: set rounds,
#                         # duration, connections before the call)
#   bench_setup wrk node  # checks the tools and the binary, makes $work, cleans up on exit
#   start_cloudkeep       # sets ck_url, ck_pid, ck_data
#   start_node_hello      # sets node_url, node_pid
#   measure PID URL [LUA] # one wrk run against the server PID: "rps p50_ms p99_ms cpu_us";
#                         # fails on any non-2xx answer
#   col FILE N | median   # the median of column N of a results file
#   per_cpu_s CPU_US      # requests per CPU-second from CPU us per request
#   write_services_lua BASE  # $work/hello.lua and $work/find.lua for the services app at BASE
#
# cpu_us is the server's own CPU time over the run (all its threads, user and
# system, from /proc/PID/stat) per request answered: what one request costs
# the server whatever else the machine runs. Ratios of req/s hold only on a
# quiet machine; ratios of requests per CPU-second hold under load too, and
# are what "on one core" means.
#
# The server under test is $CLOUDKEEP_BIN when set (another build folder),
# else build/release/cloudkeep. Servers run on CPU 0 (taskset), wrk on CPU 1;
# the access log stays on (the default level), written to /dev/null.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${CLOUDKEEP_BIN:-$root/build/release/cloudkeep}"

bench_fail() { echo "bench/$bench: $*" >&2; exit 1; }

bench_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --rounds) rounds="$2"; shift 2 ;;
      --duration) duration="$2"; shift 2 ;;
      --connections) connections="$2"; shift 2 ;;
      *) echo "usage: tools/bench/$bench [--rounds N] [--duration S] [--connections N]" >&2; exit 2 ;;
    esac
  done
}

bench_setup() {  # the tools the benchmark needs besides taskset and curl
  local tool
  for tool in "$@" taskset curl; do
    command -v "$tool" >/dev/null || bench_fail "$tool not found (run tools/bootstrap)"
  done
  [ -x "$bin" ] || bench_fail "$bin missing (run tools/build release)"
  [ "$(nproc)" -ge 2 ] || bench_fail "needs 2 CPUs to pin server and load apart"
  work="$(mktemp -d "/tmp/ck-bench-$bench.XXXXXX")"
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

# cloudkeep on a fresh data folder, any free port; the URL comes from server.json.
start_cloudkeep() {
  ck_data="$work/data"
  taskset -c 0 "$bin" serve --data "$ck_data" --listen 127.0.0.1:0 2>/dev/null &
  ck_pid=$!
  pids+=("$ck_pid")
  for _ in $(seq 100); do [ -f "$ck_data/server.json" ] && break; sleep 0.05; done
  ck_url="$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$ck_data/server.json" 2>/dev/null)"
  [ -n "$ck_url" ] || bench_fail "cloudkeep did not start (run it by hand to see why)"
}

# The Node.js `http` hello (node_hello.js), the same body as GET /health.
start_node_hello() {
  taskset -c 0 node "$root/tools/bench/node_hello.js" >"$work/node.url" &
  node_pid=$!
  pids+=("$node_pid")
  for _ in $(seq 100); do [ -s "$work/node.url" ] && break; sleep 0.05; done
  node_url="$(head -n1 "$work/node.url")"
  [ -n "$node_url" ] || bench_fail "node did not start"
  [ "$(curl -s "$node_url/health")" = '{"status":"ok"}' ] || bench_fail "node hello is wrong"
}

# CPU time a process has used (all its threads, user and system), in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() {  # server pid, url [lua script]
  local out args=() before after
  [ -n "${3:-}" ] && args=(-s "$3")
  before="$(cpu_ticks "$1")"
  out="$(taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency "${args[@]}" "$2")"
  after="$(cpu_ticks "$1")"
  if grep -q "Non-2xx" <<<"$out"; then
    echo "bench/$bench: errors answered during the run:" >&2
    echo "$out" >&2
    exit 1
  fi
  local rps p50 p99 requests cpu_us
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  cpu_us="$(awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN {printf "%.1f", t * 1e6 / hz / n}')"
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $cpu_us"
}

# A one-second unrecorded wrk run.
warm_up() {  # url [lua script]
  local args=()
  [ -n "${2:-}" ] && args=(-s "$2")
  taskset -c 1 wrk -t1 -c"$connections" -d1s "${args[@]}" "$1" >/dev/null
}

to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
col() { awk -v c="$2" '{print $c}' "$1" | median; }
last_rps() { tail -n1 "$1" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
per_cpu_s() { awk -v c="$1" 'BEGIN {printf "%.0f", 1e6 / c}'; }

# The services benchmark's two workloads (services_app.py's app at BASE):
# Hello.hello, and Catalog.find of another category each time (500
# categories of 20 rows).
write_services_lua() {  # base path
  cat >"$work/hello.lua" <<EOF
request = function() return wrk.format("POST", "$1/services/Hello/hello") end
EOF
  cat >"$work/find.lua" <<EOF
local n = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format("POST", "$1/services/Catalog/find", nil, tostring(n % 500))
end
EOF
}
