#!/usr/bin/env bash
# Benchmark of `vidflow plan` on a generated workflow: 1,000 URL videos x 10
# analyses = 10,000 tasks (URLs, so no ffprobe), each with a templated prompt and an
# output path. Target (issue 3): under 1 s and under 150 MB peak memory on the
# project's 2-core machine.
#
# Usage: bench/plan.sh [VIDEOS] [ANALYSES]   (needs /usr/bin/time: apt-get install time)
set -euo pipefail

videos=${1:-1000}
analyses=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
# A private copy: a shared target directory may be rebuilt by another checkout.
cp "${CARGO_TARGET_DIR:-$root/target}/release/vidflow" "$work/vidflow"
bin="$work/vidflow"

{
  echo "version: 1"
  echo "name: bench"
  echo "model: pegasus1.5"
  echo "vars: { brand: Acme, year: 2026 }"
  echo "defaults:"
  echo "  temperature: 0.2"
  echo "  max_tokens: 1024"
  echo "videos:"
  for ((v = 0; v < videos; v++)); do
    echo "  - id: video-$v"
    echo "    url: https://cdn.example.com/videos/$v.mp4"
    echo "    vars: { title: \"Video $v\" }"
  done
  echo "analyses:"
  for ((a = 0; a < analyses; a++)); do
    echo "  - id: analysis-$a"
    echo "    prompt: Describe \"{{video.vars.title}}\" for {{vars.brand}} ({{vars.year}}), aspect $a."
    echo "    outputs:"
    echo "      - path: out/{{video.id}}/analysis-$a.md"
    echo "        template: \"{{result.text}}\""
  done
} > "$work/workflow.yaml"

echo "workflow: $videos videos x $analyses analyses = $((videos * analyses)) tasks ($(wc -c < "$work/workflow.yaml") bytes)"
for mode in table json; do
  args=(plan "$work/workflow.yaml")
  [[ $mode == json ]] && args=(plan --json "$work/workflow.yaml")
  for run in 1 2 3; do
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" "${args[@]}" > "$work/out"
    read -r wall user sys rss < "$work/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    echo "plan ($mode) run $run: wall ${wall} s, cpu ${cpu} s, peak RSS $((rss / 1024)) MB, $(wc -l < "$work/out") lines"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (wall time includes waiting for a core)"
