"""The article's chain served over HTTP/1.1 by Python's asyncio, as compare serve's
labelled reference row: asyncio's own streams (no HTTP library), keep-alive, the
article's coroutines from article.py. Answers GET /users/{id}/with-orders, and
GET /users/with-orders?ids=1,2,... (every user at once, asyncio.gather), as the
gateway does, byte for byte in its body; prints
`gateway on http://ADDRESS/users/{id}/with-orders, ...` once listening, and exits
with status 0 at SIGINT or SIGTERM.
"""

import argparse
import asyncio
import dataclasses
import json
import platform
import signal
import sys

import article

PATH = "/users/{id}/with-orders"
BATCH_PATH = "/users/with-orders"
MAX_BATCH = 1000
FETCH_TIMEOUT_S = 10.0
HEADER_TIMEOUT_S = 30.0
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           503: "Service Unavailable", 504: "Gateway Timeout"}


def user_of(path):
    rest = path.removeprefix("/users/")
    if rest == path or not rest.endswith("/with-orders"):
        return None
    digits = rest.removesuffix("/with-orders")
    if not digits or not digits.isascii() or not digits.isdigit() or int(digits) >= 2**64:
        return None
    return int(digits)


def ids_of(query):
    """The users a batch's query asks for, or None and what is wrong with it."""
    allowed = (f"?ids= and 1 to {MAX_BATCH} user ids separated by commas, "
               "e.g. ?ids=1,2,3")
    if not query.startswith("ids="):
        return None, f"the batch route takes {allowed}"
    ids = query.removeprefix("ids=").split(",")
    if len(ids) > MAX_BATCH:
        return None, f"{len(ids)} ids asked for, more than the {MAX_BATCH} allowed: {allowed}"
    for text in ids:
        if not text or not text.isascii() or not text.isdigit() or int(text) >= 2**64:
            return None, f"{json.dumps(text)} is not a user id: {allowed}"
    return [int(text) for text in ids], None


def body_of(value):
    return json.dumps(value, separators=(",", ":")).encode()


class Gateway:
    def __init__(self, max_in_flight):
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def answer(self, method, target):
        """The status, extra headers and body for one request."""
        path, _, query = target.partition("?")
        users, user = None, None
        if path == BATCH_PATH:
            users, reason = ids_of(query)
            if users is None:
                return 400, [], body_of({"error": reason})
        else:
            user = user_of(path)
            if user is None:
                reason = f"no such path {path}; try {PATH}, or {BATCH_PATH}?ids=1,2,3"
                return 404, [], body_of({"error": reason})
        if method not in ("GET", "HEAD"):
            reason = f"{method} is not allowed on {path}: GET or HEAD"
            return 405, [("Allow", "GET, HEAD")], body_of({"error": reason})
        if self.in_flight >= self.max_in_flight:
            reason = f"busy: {self.max_in_flight} requests in flight, the most allowed"
            return 503, [], body_of({"error": reason})
        self.in_flight += 1
        try:
            if users is None:
                chained = article.get_user_with_orders(user)
            else:
                chained = asyncio.gather(*(article.get_user_with_orders(u) for u in users))
            joined = await asyncio.wait_for(chained, FETCH_TIMEOUT_S)
        except asyncio.TimeoutError:
            asked = f"({user})" if users is None else f" for {len(users)} users"
            reason = f"get_user_with_orders{asked} took longer than {FETCH_TIMEOUT_S:g}s"
            return 504, [], body_of({"error": reason})
        finally:
            self.in_flight -= 1
        if users is None:
            return 200, [], body_of(dataclasses.asdict(joined))
        return 200, [], body_of([dataclasses.asdict(one) for one in joined])

    async def connection(self, reader, writer):
        try:
            while await self.one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError,
                asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def one_request(self, reader, writer):
        """Answers one request; whether the connection stays open."""
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEADER_TIMEOUT_S)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            writer.write(response(400, [("Connection", "close")], b"", False))
            await writer.drain()
            return False
        method, path, version = parts
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length", "0")
        if not length.isdigit():
            writer.write(response(400, [("Connection", "close")], b"", False))
            await writer.drain()
            return False
        await reader.readexactly(int(length))
        status, extra, body = await self.answer(method, path)
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        extra += [("Connection", "close")] if close else []
        writer.write(response(status, extra, body, method != "HEAD"))
        await writer.drain()
        return not close


def response(status, headers, body, with_body):
    head = [f"HTTP/1.1 {status} {REASONS[status]}", "Content-Type: application/json",
            f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (body if with_body else b"")


async def serve(args):
    gateway = Gateway(args.max_in_flight)
    server = await asyncio.start_server(gateway.connection, "127.0.0.1", args.port,
                                        backlog=4096)
    address = server.sockets[0].getsockname()
    print(f"gateway on http://{address[0]}:{address[1]}{PATH}, Python {platform.python_version()} "
          f"{args.loop} streams, one event loop thread", flush=True)
    stopped = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stopped.set)
    async with server:
        await stopped.wait()
    if args.report is not None:
        fetches = article.timings["fetches"]
        json.dump({"fetches": article.percentiles(fetches) if fetches else None,
                   "hedge": article.hedge_totals()}, args.report)
        args.report.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--latency", type=article.nanoseconds, default=0.0)
    parser.add_argument("--max-in-flight", type=int, default=1000)
    # The source's tail and hedge, as article.py takes them (and the gateway).
    parser.add_argument("--slow-rate", type=float, default=0.0)
    parser.add_argument("--slow", type=article.nanoseconds, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hedge-after", type=article.nanoseconds, default=None)
    # At the stop, the fetches' latencies and the hedge's totals, as
    # chain_lab::FetchReport: a file it cannot write fails the start.
    parser.add_argument("--report", type=argparse.FileType("w"), default=None)
    args = parser.parse_args()
    if not 0 <= args.port < 65536 or args.max_in_flight < 1:
        parser.error("--port must be 0 to 65535, --max-in-flight at least 1")
    article.LATENCY = args.latency
    article.SLOW_RATE, article.SLOW, article.SEED = args.slow_rate, args.slow, args.seed
    article.HEDGE_AFTER = args.hedge_after
    article.TIMED = args.report is not None
    if args.loop == "uvloop":
        import uvloop
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(serve(args))
    except OSError as error:
        sys.exit(f"serve.py: cannot listen on port {args.port}: {error}")
    finally:
        loop.close()


if __name__ == "__main__":
    main()
