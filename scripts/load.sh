#!/usr/bin/env bash
# Load test of the public calculator against a constant-JSON route, with
# wrk, on 127.0.0.1 only. Run by hand (not in CI):
#
#   scripts/load.sh [DURATION] [REQUEST.json] [QUERY]
#
# QUERY is added to the assessment's path, e.g. '?trace=full' (the API's
# default trace level is summary).
#
# It builds ecotax, starts `ecotax serve` on a free loopback port with an
# SQLite file in a temporary directory and every middleware on (the rate
# limit raised out of reach, logs to a file), then runs wrk for GET
# /v1/meta and POST /v1/tax/assessments, each with one connection (for
# the p99 latency) and with 2 threads × 8 connections (for requests per
# second), and prints the assessment's share of the constant route's
# throughput. Needs wrk (apt-get install -y wrk).
set -euo pipefail

duration=${1:-10s}
root=$(cd "$(dirname "$0")/.." && pwd)
request=$(realpath "${2:-$root/api/testdata/assessment.json}")
query=${3:-}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/ecotax" ./cmd/ecotax)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
addr=127.0.0.1:$port
ECOTAX_SQLITE_PATH=$work/ecotax.db ECOTAX_RATE_LIMIT=inf "$work/ecotax" serve --addr "$addr" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://$addr/readyz" >/dev/null

# The assessment must succeed before it is measured.
curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$request" "http://$addr/v1/tax/assessments$query" >/dev/null

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$request", "rb"))
wrk.body = f:read("*a")
f:close()
function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
sed -e '/wrk.method/d' -e '/Content-Type/d' -e '/io.open/d' -e '/wrk.body/d' -e '/f:close/d' "$work/post.lua" >"$work/get.lua"

run() { # name threads connections script path
  local out
  out=$(wrk -t"$2" -c"$3" -d"$duration" --latency -s "$4" "http://$addr$5" | grep '^RESULT')
  echo "$1 t=$2 c=$3 ${out#RESULT }"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "request: $request$query, duration $duration, $(nproc) cores, load average $(loadavg)"
c1=$(run constant 1 1 "$work/get.lua" /v1/meta)
a1=$(run assessment 1 1 "$work/post.lua" "/v1/tax/assessments$query")
c8=$(run constant 2 8 "$work/get.lua" /v1/meta)
a8=$(run assessment 2 8 "$work/post.lua" "/v1/tax/assessments$query")
printf '%s\n' "$c1" "$a1" "$c8" "$a8"
echo "load average after: $(loadavg) (the machine's other work shares the cores with wrk and the server)"
rps() { sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$1"; }
python3 - "$(rps "$c1")" "$(rps "$a1")" "$(rps "$c8")" "$(rps "$a8")" <<'PY'
import sys
c1, a1, c8, a8 = map(float, sys.argv[1:])
print(f"assessment/constant throughput: one connection {a1/c1:.2f}, 8 connections {a8/c8:.2f} (target >= 0.30)")
PY
