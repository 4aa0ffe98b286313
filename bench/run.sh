#!/usr/bin/env bash
# Throughput benchmark of `vidflow run` against `vidflow sim` (issue 5).
#
# N tasks (one analysis over N URL videos), concurrency C, processing time P
# seconds per task on the simulator's realtime clock. Prints wall time, the ideal
# ceil(N/C)*P, the ideal with the simulator's fixed per-task overhead, and GET
# requests per task (from the simulator's request log).
#
#   cargo build --release && bench/run.sh            # N=400 C=32 P=10
#   N=100 C=16 P=5 bench/run.sh
#
# Rate limits are off on both sides (the defaults, 60 creates/min, would make
# pacing, not concurrency, the bottleneck); polling is capped at POLL_MAX seconds.
set -euo pipefail
N=${N:-400}
C=${C:-32}
P=${P:-10}
POLL_MAX=${POLL_MAX:-1}
BIN=${VIDFLOW:-${CARGO_TARGET_DIR:-target}/release/vidflow}
dir=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

{
  echo "version: 1"
  echo "name: bench"
  echo "model: pegasus1.5"
  echo "videos:"
  for i in $(seq 0 $((N - 1))); do
    echo "  - id: v$i"
    echo "    url: https://media.example.com/bench/v$i.mp4"
  done
  echo "analyses:"
  echo "  - id: describe"
  echo "    prompt: Describe the video"
  echo "    outputs:"
  echo "      - path: out/{{video.id}}.md"
  echo "        template: \"{{result.text}}\""
} > "$dir/workflow.yaml"

"$BIN" sim --port 0 --processing-time "$P" --skip-state pending --rate-create 0 --rate-read 0 \
  > "$dir/sim.out" 2> /dev/null &
sim_pid=$!
for _ in $(seq 1 200); do
  [ -s "$dir/sim.out" ] && break
  sleep 0.05
done
url=$(head -n1 "$dir/sim.out")

start=$(date +%s.%N)
TWELVE_LABS_API_KEY=bench "$BIN" run "$dir/workflow.yaml" --api-url "$url" --concurrency "$C" \
  --creates-per-minute 0 --reads-per-minute 0 --poll-initial 1 --poll-max "$POLL_MAX" -q
end=$(date +%s.%N)

curl -s "${url%/v1.3}/_sim/requests" > "$dir/log.json"
python3 - "$dir/log.json" "$N" "$C" "$P" "$start" "$end" <<'PY'
import json, math, sys
log, n, c, p, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
reqs = json.load(open(log))["requests"]
gets = sum(1 for r in reqs if r["method"] == "GET")
posts = sum(1 for r in reqs if r["method"] == "POST")
wall = end - start
waves = math.ceil(n / c)
ideal = waves * p
# The simulator's task: queued 1 s, (pending skipped), processing P + 0.01 s per
# window second (60 s default media for URLs): P + 1.6 s.
ideal_sim = waves * (p + 1.6)
print(f"N={n} C={c} P={p}s: wall {wall:.1f}s; ideal ceil(N/C)*P = {ideal:.1f}s ({wall / ideal:.3f}x); "
      f"ideal with the simulator's per-task time P+1.6s = {ideal_sim:.1f}s ({wall / ideal_sim:.3f}x); "
      f"{posts} creates, {gets} GETs = {gets / n:.2f} GETs per task")
PY
