#!/usr/bin/env python3
"""vidflow's benchmark harness (issue 8): vidflow against the ideal and against the
official Python SDK, on the simulator, in one run.

usage: python3 bench/run.py [--quick] [--cases a,b,c,d] [--local N,CHANGED] [--bin LABEL=PATH ...] [--out FILE]

Each case starts `vidflow sim` (release build) with fixed processing time and rate
limits, runs the subjects one after the other against it (resetting it between), and
reads the simulator's request log to count requests. The runner's CPU time and peak
memory come from wait4() on its process. Results are printed as a Markdown table.
With several --bin, every case runs once per binary (e.g. before and after a change),
one after the other, each row labelled with its LABEL.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "vidflow")
SUBJECT = "vidflow"  # the label of BIN in the rows (--bin LABEL=PATH)
VIDEOS = os.path.join(ROOT, "..", "shared", "data", "videos")

# The simulator's realtime lifecycle (SIM-STATUS-2): queued 1 s, pending 1 s, then
# processing = --processing-time + 0.01 s per second of window; URL videos last 60 s.
QUEUED_PENDING_S = 2.0
URL_VIDEO_S = 60.0


def task_seconds(processing):
    return QUEUED_PENDING_S + processing + 0.01 * URL_VIDEO_S


class Sim:
    def __init__(self, *args):
        self.proc = subprocess.Popen([BIN, "sim", "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.base = self.proc.stdout.readline().strip()
        if not self.base.startswith("http://127.0.0.1:"):
            raise SystemExit(f"simulator did not start: {self.base!r}")
        self.control = self.base.replace("/v1.3", "/_sim")

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.control + "/reset", method="POST")).read()

    def requests(self):
        with urllib.request.urlopen(self.control + "/requests") as r:
            return json.load(r)["requests"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def measured(cmd, cwd=None, env=None):
    """Runs cmd; returns (exit code, wall s, cpu s, peak RSS MiB) of that process."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        err = proc.stderr.read().decode(errors="replace")[-2000:]
        print(f"  ! {' '.join(cmd[:3])} exited {code}: {err}", file=sys.stderr)
    return code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def counts(requests, n):
    creates = sum(1 for r in requests if r["method"] == "POST" and r["path"] == "/v1.3/analyze/tasks")
    polls = sum(1 for r in requests if r["method"] == "GET" and r["path"].startswith("/v1.3/analyze/tasks/"))
    uploads = sum(1 for r in requests if r["method"] == "POST" and r["path"] == "/v1.3/assets")
    limited = sum(1 for r in requests if r["status"] == 429)
    return {"creates/task": creates / n, "polls/task": polls / n, "uploads": uploads, "429s": limited}


def url_workflow(dir, n, concurrency):
    lines = ["version: 1", "name: bench", "model: pegasus1.5", f"concurrency: {concurrency}", "videos:"]
    lines += [f"  - {{ id: v{i}, url: 'https://bench.example.com/video-{i}.mp4' }}" for i in range(n)]
    lines += ["analyses:", "  - id: summary", "    prompt: Summarise video {{video.id}} in three sentences.",
              "    max_tokens: 1024", "    outputs:", "      - path: out/{{video.id}}.md",
              "        template: '{{result.text}}'"]
    path = os.path.join(dir, "workflow.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def row(name, subject, ideal, code, wall, cpu, rss, c):
    return {"case": name, "subject": subject, "exit": code, "wall s": round(wall, 1), "ideal s": round(ideal, 1),
            "wall/ideal": round(wall / ideal, 3) if ideal else None, **c,
            "cpu s": round(cpu, 2), "cpu/wall %": round(100 * cpu / wall, 2), "peak MiB": round(rss, 1)}


def vidflow_and_sdk(name, ideal, n, c, sim_args, pacing):
    """Runs vidflow (with client pacing PACING) and then the SDK baseline on one
    simulator started with SIM_ARGS; one row each."""
    sim = Sim("--clock", "realtime", *sim_args)
    out = []
    try:
        with tempfile.TemporaryDirectory() as d:
            wf = url_workflow(d, n, c)
            env = dict(os.environ, TWELVE_LABS_API_KEY="bench")
            res = measured([BIN, "run", wf, "--api-url", sim.base, "-q", *pacing], env=env)
            out.append(row(name, SUBJECT, ideal, *res, counts(sim.requests(), n)))
        sim.reset()
        res = measured([sys.executable, os.path.join(ROOT, "bench", "sdk_baseline.py"), sim.base, str(n), str(c)])
        out.append(row(name, "python SDK", ideal, *res, counts(sim.requests(), n)))
    finally:
        sim.stop()
    return out


def case_concurrency(n, c, p):
    """N tasks at concurrency C, processing P, no rate limits on either side."""
    ideal = math.ceil(n / c) * task_seconds(p)
    return vidflow_and_sdk(f"N={n} C={c} P={p}s", ideal, n, c,
                           ["--processing-time", str(p), "--rate-create", "0", "--rate-read", "0"],
                           ["--creates-per-minute", "0", "--reads-per-minute", "0"])


def case_rate_limited(n, c, p, per_minute):
    """N tasks with the create and read buckets at PER_MINUTE requests/min; vidflow is
    told the account's limits, as a user would configure them."""
    ideal = max(math.ceil(n / c) * task_seconds(p), n / (per_minute / 60.0))
    limit = str(per_minute)
    return vidflow_and_sdk(f"N={n} rate={per_minute}/min", ideal, n, c,
                           ["--processing-time", str(p), "--rate-create", limit, "--rate-read", limit],
                           ["--creates-per-minute", limit, "--reads-per-minute", limit])


def case_plan(videos, analyses):
    """`vidflow plan` on videos x analyses URL tasks: no network."""
    name = f"plan {videos}x{analyses}"
    with tempfile.TemporaryDirectory() as d:
        lines = ["version: 1", "model: pegasus1.5", "videos:"]
        lines += [f"  - {{ id: v{i}, url: 'https://bench.example.com/video-{i}.mp4' }}" for i in range(videos)]
        lines += ["analyses:"]
        for a in range(analyses):
            lines += [f"  - id: a{a}", f"    prompt: Question {a} about {{{{video.id}}}}.",
                      "    outputs:", f"      - path: out/{{{{video.id}}}}/a{a}.md", "        template: '{{result.text}}'"]
        wf = os.path.join(d, "workflow.yaml")
        with open(wf, "w") as f:
            f.write("\n".join(lines) + "\n")
        code, wall, cpu, rss = measured([BIN, "plan", wf])
    return [{"case": name, "subject": SUBJECT, "exit": code, "wall s": round(wall, 3), "cpu s": round(cpu, 2),
             "peak MiB": round(rss, 1)}]


def case_local_files(n, changed):
    """N local files uploaded once; then CHANGED of them are modified and the
    workflow runs again: only those are uploaded and analysed."""
    name = f"{n} local files, {n - changed} unchanged"
    base = os.path.join(VIDEOS, "bigbuckbunny.mp4")
    sim = Sim("--clock", "tick", "--rate-create", "0", "--rate-read", "0", "--rate-assets", "0")
    out = []
    try:
        with tempfile.TemporaryDirectory() as d:
            media = os.path.join(d, "media")
            os.makedirs(media)
            for i in range(n):
                # Same frames, distinct bytes: a metadata tag per copy.
                subprocess.run(["ffmpeg", "-v", "error", "-i", base, "-metadata", f"comment=copy {i}", "-c", "copy",
                                os.path.join(media, f"clip{i:04}.mp4")], check=True)
            lines = ["version: 1", "model: pegasus1.5", "concurrency: 32", "videos:", "  - glob: media/*.mp4",
                     "analyses:", "  - id: summary", "    prompt: Summarise {{video.id}}.", "    outputs:",
                     "      - path: out/{{video.id}}.md", "        template: '{{result.text}}'"]
            wf = os.path.join(d, "workflow.yaml")
            with open(wf, "w") as f:
                f.write("\n".join(lines) + "\n")
            env = dict(os.environ, TWELVE_LABS_API_KEY="bench")
            fast = ["--creates-per-minute", "0", "--reads-per-minute", "0", "--uploads-per-minute", "0"]
            first = measured([BIN, "run", wf, "--api-url", sim.base, "-q", *fast], env=env)
            out.append(row(name + " (first run)", SUBJECT, 0, *first, counts(sim.requests(), n)))
            sim.reset()
            for i in range(changed):
                subprocess.run(["ffmpeg", "-y", "-v", "error", "-i", base, "-metadata", f"comment=changed {i}",
                                "-c", "copy", os.path.join(media, f"clip{i:04}.mp4")], check=True)
            second = measured([BIN, "run", wf, "--api-url", sim.base, "-q", *fast], env=env)
            out.append(row(name + " (second run)", SUBJECT, 0, *second, counts(sim.requests(), changed)))
    finally:
        sim.stop()
    return out


def table(rows):
    cols = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join("" if r.get(k) is None else str(r.get(k)) for k in cols) + " |")
    return "\n".join(lines)


def main():
    global BIN, SUBJECT
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes, to try the harness")
    ap.add_argument("--cases", default="concurrency,rate,plan,local")
    ap.add_argument("--out", help="also write the table to this file")
    ap.add_argument("--local", help="N,CHANGED of the local case (default 1000,10; --quick 50,5)")
    ap.add_argument("--bin", action="append", metavar="LABEL=PATH",
                    help="vidflow binary to measure (repeatable; default vidflow=target/release/vidflow)")
    args = ap.parse_args()
    bins = [b.split("=", 1) for b in args.bin] if args.bin else [[SUBJECT, BIN]]
    if any(len(b) != 2 or not os.path.exists(b[1]) for b in bins) or shutil.which("ffmpeg") is None:
        raise SystemExit("build first (cargo build --release) and install ffmpeg; --bin takes LABEL=PATH")
    q = args.quick
    local_n, local_changed = (int(x) for x in args.local.split(",")) if args.local else (50, 5) if q else (1000, 10)
    rows = []
    wanted = args.cases.split(",")
    for SUBJECT, BIN in bins:
        if "concurrency" in wanted:
            rows += case_concurrency(40 if q else 400, 32, 2)
        if "rate" in wanted:
            rows += case_rate_limited(200 if q else 2000, 32, 2, 600)
        if "plan" in wanted:
            rows += case_plan(100 if q else 1000, 10)
        if "local" in wanted:
            rows += case_local_files(local_n, local_changed)
    text = table(rows)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
