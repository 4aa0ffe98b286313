#!/usr/bin/env bash
# Rebuilds docs/review.png, the README's screenshot of a review page: the review
# test workflow (tests/fixtures/review) run against the simulator, and its video
# page taken by headless Chromium at 1280x900.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/vidflow"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp tests/fixtures/review/workflow.yaml "$work/"
ln -s "$PWD/examples/quickstart/videos" "$work/videos"
# `bikes` breaks the input requirements on purpose: the run exits 1.
"$bin" run "$work/workflow.yaml" --sim --quiet >/dev/null || [ $? -eq 1 ]
"$bin" review "$work/workflow.yaml" --sim
/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=1280,900 \
    --virtual-time-budget=5000 --screenshot="$PWD/docs/review.png" \
    "file://$work/review/review/bigbuckbunny.html" 2>/dev/null
echo "docs/review.png"
