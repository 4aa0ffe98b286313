#!/usr/bin/env python3
"""Contract test: the official TwelveLabs Python SDK (`pip install twelvelabs`, 1.3.x)
drives `vidflow sim` (issue 4, done-when #1; WIRE-1: the SDK works unchanged).

Starts `$VIDFLOW_BIN sim --port 0 --clock tick` (default `target/debug/vidflow`),
points the SDK at the printed base URL, then: creates (plain prompt with a URL source,
json_schema, segment definitions), retrieves until ready, lists with pagination and
filters, deletes, and checks that rejected requests raise the SDK's typed errors.
Exits 0 on success; any failed assertion exits non-zero.
"""

import json
import os
import subprocess
import sys
import time

from twelvelabs import (
    AsyncResponseFormat,
    BadRequestError,
    NotFoundError,
    SegmentDefinition,
    SegmentField,
    TwelveLabs,
    VideoContext_Url,
)

URL = "https://cdn.example.com/keynote.mp4"


def start_sim():
    binary = os.environ.get("VIDFLOW_BIN", "target/debug/vidflow")
    proc = subprocess.Popen(
        [binary, "sim", "--port", "0", "--clock", "tick", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("http://127.0.0.1:"), f"unexpected first line {line!r}"
    return proc, line


def until_ready(client, task_id, deadline_s=20):
    """Retrieves until a terminal status (tick clock: three retrieves)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        task = client.analyze_async.tasks.retrieve(task_id)
        if task.status in ("ready", "failed"):
            return task
    raise AssertionError(f"task {task_id} not terminal before the deadline")


def main():
    proc, base_url = start_sim()
    try:
        run(TwelveLabs(api_key="sdk-contract-test", base_url=base_url))
    finally:
        proc.kill()
        proc.wait()
    print("sdk contract test: ok")


def run(client):
    tasks = client.analyze_async.tasks

    # Create: plain prompt, URL source, pegasus1.5.
    plain = tasks.create(
        model_name="pegasus1.5",
        video=VideoContext_Url(url=URL),
        prompt="Summarise the keynote in three sentences.",
        custom_id="sdk-plain",
    )
    assert plain.task_id and len(plain.task_id) == 24, plain
    assert plain.status == "queued", plain

    # Create: json_schema.
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "tone": {"type": "string", "enum": ["formal", "casual"]},
            "topics": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["title", "rating", "tone"],
    }
    structured = tasks.create(
        model_name="pegasus1.5",
        video=VideoContext_Url(url=URL),
        prompt="Describe the video as JSON.",
        response_format=AsyncResponseFormat(type="json_schema", json_schema=schema),
        custom_id="sdk-json",
    )

    # Create: segment definitions (time_based_metadata).
    segments = tasks.create(
        model_name="pegasus1.5",
        video=VideoContext_Url(url=URL),
        analysis_mode="time_based_metadata",
        response_format=AsyncResponseFormat(
            type="segment_definitions",
            segment_definitions=[
                SegmentDefinition(
                    id="scene",
                    description="A continuous shot",
                    fields=[
                        SegmentField(name="mood", type="string", description="Mood", enum=["calm", "tense"]),
                        SegmentField(name="people", type="integer", description="People on screen"),
                    ],
                )
            ],
        ),
        min_segment_duration=4,
        max_segment_duration=20,
        custom_id="sdk-scenes",
    )

    # Retrieve until ready.
    t = until_ready(client, plain.task_id)
    assert t.status == "ready", t
    assert t.custom_id == "sdk-plain"
    assert t.result.generation_id.startswith("sim-")
    assert t.result.data.startswith("[simulated]"), t.result.data
    assert t.result.finish_reason == "stop"
    assert t.result.usage.output_tokens >= 1

    t = until_ready(client, structured.task_id)
    data = json.loads(t.result.data)
    assert set(schema["required"]) <= set(data), data
    assert 1 <= data["rating"] <= 5 and data["tone"] in ("formal", "casual"), data

    t = until_ready(client, segments.task_id)
    data = json.loads(t.result.data)
    assert list(data) == ["scene"], data
    last_end = 0.0
    for seg in data["scene"]:
        assert last_end <= seg["start_time"] < seg["end_time"] <= 60.0, seg
        assert 4 - 1e-9 <= seg["end_time"] - seg["start_time"] <= 20 + 1e-9, seg
        assert seg["metadata"]["mood"] in ("calm", "tense"), seg
        assert isinstance(seg["metadata"]["people"], int), seg
        last_end = seg["end_time"]

    # List: newest first, pagination, filters.
    page1 = tasks.list(page=1, page_limit=2)
    assert [x.task_id for x in page1.data] == [segments.task_id, structured.task_id], page1
    assert page1.page_info.total_results == 3 and page1.page_info.total_page == 2, page1.page_info
    page2 = tasks.list(page=2, page_limit=2)
    assert [x.task_id for x in page2.data] == [plain.task_id], page2
    assert tasks.list(page=3, page_limit=2).data == []
    only_tbm = tasks.list(analysis_mode="time_based_metadata")
    assert [x.task_id for x in only_tbm.data] == [segments.task_id], only_tbm
    assert len(tasks.list(status="ready").data) == 3
    assert tasks.list(status="queued").data == []
    assert len(tasks.list(video_url=URL).data) == 3
    assert tasks.list(video_url="https://other.example/x.mp4").data == []

    # Delete, then 404.
    assert tasks.delete(plain.task_id) is None
    try:
        tasks.retrieve(plain.task_id)
        raise AssertionError("a deleted task must be gone")
    except NotFoundError as e:
        assert e.status_code == 404
    assert tasks.list().page_info.total_results == 2

    # Rejected requests surface as the SDK's typed 400.
    try:
        tasks.create(model_name="pegasus1.5", video=VideoContext_Url(url=URL), prompt="x", temperature=1.5)
        raise AssertionError("temperature 1.5 must be rejected")
    except BadRequestError as e:
        assert e.status_code == 400
        assert e.body["error"]["code"] == "parameter_invalid", e.body
        assert e.body["error"]["details"]["rule"] == "VAL-27", e.body
    # The SDK sends no model_name unless given: the default pegasus1.2 takes only video_id (VAL-7).
    try:
        tasks.create(video=VideoContext_Url(url=URL), prompt="x")
        raise AssertionError("a url source under the default model must be rejected")
    except BadRequestError as e:
        assert e.body["error"]["details"]["rule"] == "VAL-7", e.body


if __name__ == "__main__":
    sys.exit(main())
