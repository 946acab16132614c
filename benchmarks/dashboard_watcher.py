"""A dashboard page, without the browser: it loads the page, opens its event stream and fetches what the page's script
fetches on each event (the live state and the new journal rows). Prints "READY" once the stream is open and, when
stopped (SIGINT or SIGTERM), "STATS {json}" with what it received.

    python dashboard_watcher.py --port 8080 --account 1234
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

import aiohttp


async def watch(base: str, account: str, stats: dict) -> None:
    async with aiohttp.ClientSession(base) as session:
        page = await session.get(f"/_sim/dashboard?account={account}")
        text = await page.text()
        seq = int(text.split('data-journal-seq="', 1)[1].split('"', 1)[0])
        stats["page_bytes"] = len(text)
        async with session.get(
            f"/_sim/dashboard/events?account={account}", timeout=aiohttp.ClientTimeout(total=None, sock_read=None)
        ) as events:
            print("READY", flush=True)
            while True:
                line = await events.content.readline()
                if not line:
                    break
                if not line.startswith(b"event: "):
                    continue
                stats["events"] += 1
                state = session.get(f"/_sim/dashboard/part/state?account={account}")
                rows = session.get(f"/_sim/dashboard/part/journal?account={account}&since={seq}")
                for answer in await asyncio.gather(state, rows):
                    stats["bytes"] += len(await answer.read())
                    stats["fetches"] += 1
                    seq = max(seq, int(answer.headers.get("X-Journal-Seq", seq)))
        stats["rows_seen_up_to"] = seq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--account", default="1234")
    args = parser.parse_args()
    stats = {"events": 0, "fetches": 0, "bytes": 0}

    async def run() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(watch(f"http://127.0.0.1:{args.port}", args.account, stats))
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(run())
    print("STATS " + json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()
