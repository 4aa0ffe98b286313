#!/bin/bash
# Runner CPU of one binary: N=400 URL tasks, C=32, P=2 s, against a release
# `vidflow sim` (realtime clock, no rate limits), timed by /usr/bin/time.
# usage: bench/cpu.sh BINARY LABEL   (run from the repository, after
# `cargo build --release`; works in a temporary directory)
set -eu
BIN=$(realpath "$1"); LABEL=$2; SIMBIN=$(realpath target/release/vidflow)
WORK=$(mktemp -d); trap 'kill $SIM 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
{
  printf 'version: 1\nname: cpu\nmodel: pegasus1.5\nvideos:\n'
  for i in $(seq 0 399); do printf '  - id: v%d\n    url: https://media.example.com/v%d.mp4\n' "$i" "$i"; done
  printf 'analyses:\n  - id: a\n    prompt: Describe the clip.\n    outputs:\n'
  printf '      - path: out/{{video.id}}.md\n        template: "{{result.text}}"\n'
} > w.yaml
"$SIMBIN" sim --processing-time 2 --rate-create 0 --rate-read 0 > sim.txt 2>&1 &
SIM=$!
URL=
for _ in $(seq 50); do URL=$(grep -o 'http://[^ ]*' sim.txt | head -1 || true); [ -n "$URL" ] && break; sleep 0.1; done
TWELVE_LABS_API_KEY=k /usr/bin/time -f "$LABEL wall %e s user %U s sys %S s" "$BIN" run w.yaml --api-url "$URL" \
  --concurrency 32 --creates-per-minute 0 --reads-per-minute 0 -q > run.out 2> time.out || true
tail -1 time.out
