"""A loopback TCP proxy that delays every chunk it forwards, each way: a distant network, locally.

Used by the benchmarks to make round trips cost something, so that running checks one after
another and running them at once differ the way they do against real, remote services.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

#: Per proxy port (the port a store is pointed at): "connections" opened, and "turns": each
#: time the client speaks after the peer did (or first), one round trip it waits for
#: (bench/roundtrips.py reads them).
COUNTS: dict[int, Counter[str]] = {}
#: Per proxy port: the HTTP request lines clients sent ("GET /path"), in order.
REQUESTS: dict[int, list[str]] = {}
_METHODS = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"DELETE ", b"PATCH ", b"OPTIONS ")


class _Turns:
    """Who spoke last on one connection: a client chunk after a peer chunk is a new turn."""

    def __init__(self, counts: Counter[str], requests: list[str]) -> None:
        self.counts = counts
        self.requests = requests
        self.last = "peer"

    def saw(self, side: str, data: bytes = b"") -> None:
        if side == "client" and self.last != "client":
            self.counts["turns"] += 1
        if side == "client" and data.startswith(_METHODS):
            method, _, rest = data.partition(b" ")
            self.requests.append(f"{method.decode()} {rest.split(b' ', 1)[0].decode()}")
        self.last = side


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    delay: float,
    turns: _Turns | None = None,
    side: str = "client",
) -> None:
    """Forward each chunk `delay` seconds after it arrived, in order: latency, not a slow link
    (chunks in flight together arrive together, as packets on a real path do)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def release() -> None:
        try:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    sender = asyncio.create_task(release())
    try:
        while data := await reader.read(65536):
            if turns is not None:
                turns.saw(side, data)
            queue.put_nowait((loop.time() + delay, data))
    except (ConnectionError, OSError):
        pass
    finally:
        queue.put_nowait((loop.time() + delay, b""))
        await sender


async def _serve(target_port: int, delay: float, ready: asyncio.Future[int]) -> None:
    listening: list[int] = []

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            upstream_r, upstream_w = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_w.close()
            return
        counts = COUNTS.setdefault(listening[0], Counter())
        counts["connections"] += 1
        turns = _Turns(counts, REQUESTS.setdefault(listening[0], []))
        await asyncio.gather(
            _pump(client_r, upstream_w, delay, turns, "client"),
            _pump(upstream_r, client_w, delay, turns, "peer"),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    listening.append(server.sockets[0].getsockname()[1])
    ready.set_result(listening[0])
    async with server:
        await server.serve_forever()


@contextmanager
def delayed(target_port: int, delay: float) -> Iterator[int]:
    """Run a proxy to `target_port` adding `delay` seconds per chunk; yields the proxy's port."""
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[int] = loop.create_future()
    task = loop.create_task(_serve(target_port, delay, ready))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    port = asyncio.run_coroutine_threadsafe(_wait(ready), loop).result(timeout=10)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(_cancel(task), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


async def _wait(ready: asyncio.Future[int]) -> int:
    return await ready


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
