#!/usr/bin/env python3
"""The official TwelveLabs Python SDK doing vidflow's job the way its docs show:
create every task (asyncio client, at most C in flight), poll each every 5 s until it
is terminal, collect the results. Used by bench/run.py as the baseline.

usage: sdk_baseline.py BASE_URL N C
"""
import asyncio
import sys

from twelvelabs import AsyncTwelveLabs, VideoContext_Url

POLL_SECONDS = 5.0


async def one(client, sem, i):
    async with sem:
        task = await client.analyze_async.tasks.create(
            model_name="pegasus1.5",
            video=VideoContext_Url(url=f"https://bench.example.com/video-{i}.mp4"),
            prompt=f"Summarise video {i} in three sentences.",
            max_tokens=1024,
        )
        while True:
            await asyncio.sleep(POLL_SECONDS)
            got = await client.analyze_async.tasks.retrieve(task.task_id)
            if got.status in ("ready", "failed"):
                return got.status


async def main(base_url, n, c):
    client = AsyncTwelveLabs(api_key="bench", base_url=base_url)
    sem = asyncio.Semaphore(c)
    statuses = await asyncio.gather(*(one(client, sem, i) for i in range(n)))
    ready = sum(1 for s in statuses if s == "ready")
    print(f"{ready}/{n} ready")
    return 0 if ready == n else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
