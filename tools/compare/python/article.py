"""The article's chaining program, as the compare tool's asyncio reference.

Same workloads, same sizes, same checks as the Rust side; one warm-up run, one
measured run (or `--samples` sleeps for the timer; each the mean of `--iterations`
back-to-back runs); prints one line of JSON:
{"samples_s": [...], "peak_rss_bytes": N, "bytes_per_task": null, "tally": ...,
 "tail": ...}, where a fan-out's tally counts users requested, results, errors by
cause, lost, and with --slow-rate the tail counts the last run's slow fetches (and
sums their numbers, user id * 2 + 1 for the orders), drawn from --seed as the Rust
side draws them (chain_lab::seeded::draw_copy), so that both slow the same fetches;
with --hedge-after, every fetch is hedged as chain_core::hedge does it, with
asyncio.wait(FIRST_COMPLETED). With a tail or a hedge, "latencies" holds the last
run's percentiles of each user's chain and each fetch, and the hedge's counts, as
chain_lab::Latencies does.
"""

import argparse
import asyncio
import json
import math
import resource
import sys
import time
from dataclasses import dataclass

ORDERS = {1: [1, 3, 10, 11], 2: [23, 34], 3: []}


@dataclass
class User:
    user_id: int
    user_name: str


@dataclass
class UserWithOrders:
    user: User
    orders: list


LATENCY = 0.0
# The backend's tail: a fraction SLOW_RATE of fetches, drawn from SEED, take SLOW,
# each fetch then limited to FETCH_TIMEOUT (as the Rust side limits it).
SLOW_RATE, SLOW, SEED, FETCH_TIMEOUT = 0.0, 0.0, 0, None
# The last run's slow fetches: how many, and the sum of their numbers.
slow_fetches = {"fetches": 0, "checksum": 0}
# The hedge: a second copy of a fetch not answered after HEDGE_AFTER seconds, and the
# last run's budget.
HEDGE_AFTER = None
hedged = {"needed": 0, "sent": 0, "extra_won": 0, "extra_after": []}
# The last run's latencies, in seconds, when a tail or a hedge is asked for.
TIMED = False
timings = {"users": [], "fetches": []}

MASK = (1 << 64) - 1
# chain_lab::seeded::Drawer::Tail: the tail's draws, apart from the faults'.
TAIL_DRAWER = 3


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def draw(drawer, seed, fetch, copy):
    """The fraction in [0, 1) that chain_lab::seeded::draw_copy gives the same copy of
    the same fetch."""
    copied = 0 if copy == 0 else splitmix64(~copy & MASK)
    hashed = splitmix64(splitmix64(seed ^ drawer) ^ splitmix64(fetch) ^ copied)
    return (hashed >> 11) / float(1 << 53)


async def wait(user_id, orders):
    start = time.perf_counter()
    if HEDGE_AFTER is None:
        await limited(user_id, orders, 0)
    else:
        await hedge(lambda copy: limited(user_id, orders, copy))
    if TIMED:
        timings["fetches"].append(time.perf_counter() - start)


async def hedge(send):
    """Sends copy 0 and, if it has not answered after HEDGE_AFTER, copy 1: the first
    answer wins (a value or an exception), the other copy is cancelled and gone
    before this returns."""
    hedged["needed"] += 1
    hedged["sent"] += 1
    start = time.perf_counter()
    first = asyncio.ensure_future(send(0))
    done, _ = await asyncio.wait({first}, timeout=HEDGE_AFTER)
    if done:
        return first.result()
    hedged["sent"] += 1
    hedged["extra_after"].append(time.perf_counter() - start)
    second = asyncio.ensure_future(send(1))
    done, pending = await asyncio.wait({first, second}, return_when=asyncio.FIRST_COMPLETED)
    for copy in pending:
        copy.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    winner = first if first in done else second
    hedged["extra_won"] += winner is second
    return winner.result()


async def limited(user_id, orders, copy):
    if FETCH_TIMEOUT is not None:
        await asyncio.wait_for(waited(user_id, orders, copy), FETCH_TIMEOUT)
    else:
        await waited(user_id, orders, copy)


async def waited(user_id, orders, copy):
    fetch = (user_id * 2 + orders) & MASK
    if SLOW_RATE and draw(TAIL_DRAWER, SEED, fetch, copy) < SLOW_RATE:
        slow_fetches["fetches"] += 1
        slow_fetches["checksum"] += fetch
        await asyncio.sleep(SLOW)
    elif LATENCY:
        await asyncio.sleep(LATENCY)


async def fetch_user(user_id):
    await wait(user_id, 0)
    return User(user_id, f"user-{user_id}")


async def fetch_orders(user_id):
    await wait(user_id, 1)
    return list(ORDERS.get(user_id, []))


async def get_user_with_orders(user_id):
    start = time.perf_counter()
    user, orders = await asyncio.gather(fetch_user(user_id), fetch_orders(user_id))
    if TIMED:
        timings["users"].append(time.perf_counter() - start)
    return UserWithOrders(user, orders)


def percentiles(seconds):
    """Nearest-rank percentiles, as chain_lab::Percentiles gives them."""
    ranked = sorted(seconds)
    at = lambda q: ranked[min(max(math.ceil(q * len(ranked)), 1), len(ranked)) - 1]
    return {"count": len(ranked), "p50_s": at(0.5), "p95_s": at(0.95), "p99_s": at(0.99),
            "p999_s": at(0.999), "max_s": ranked[-1]}


def hedge_totals():
    """What the hedge sent, as chain_lab::HedgeTotals; None without a hedge."""
    if HEDGE_AFTER is None:
        return None
    extra = hedged["extra_after"]
    return {
        "needed": hedged["needed"], "sent": hedged["sent"], "extra_won": hedged["extra_won"],
        "extra_after_mean_s": sum(extra) / len(extra) if extra else None,
        "extra_after_max_s": max(extra) if extra else None,
    }


def latencies():
    """The last run's chain_lab::Latencies, or None if it kept none."""
    if not TIMED or not timings["users"]:
        return None
    return {"users": percentiles(timings["users"]), "fetches": percentiles(timings["fetches"]),
            "hedge": hedge_totals()}


def check(user_id, value):
    expected = UserWithOrders(User(user_id, f"user-{user_id}"), ORDERS.get(user_id, []))
    if value != expected:
        raise SystemExit(f"wrong result for user {user_id}: {value}")


async def chain(_args):
    check(1, await get_user_with_orders(1))


async def fanout(args, limit=None):
    ids = range(1, args.users + 1)
    if limit is None:
        if args.shape == "join":
            results = await asyncio.gather(*(get_user_with_orders(i) for i in ids))
        else:
            tasks = [asyncio.create_task(get_user_with_orders(i)) for i in ids]
            results = [await task for task in tasks]
    else:
        semaphore = asyncio.Semaphore(limit)

        async def bounded(user_id):
            async with semaphore:
                return await get_user_with_orders(user_id)

        if args.shape == "join":
            results = await asyncio.gather(*(bounded(i) for i in ids))
        else:
            tasks = [asyncio.create_task(bounded(i)) for i in ids]
            results = [await task for task in tasks]
    if len(results) != args.users:
        raise SystemExit("a fan-out lost results")
    for user_id, value in zip(ids, results):
        check(user_id, value)
    return {"requested": args.users, "results": len(results), "errors_by_cause": {}, "lost": 0}


async def bounded(args):
    return await fanout(args, limit=args.concurrency)


async def timer(args):
    start = time.perf_counter()
    await asyncio.sleep(args.sleep)
    if time.perf_counter() - start < args.sleep:
        raise SystemExit("the sleep woke early")


def nanoseconds(text):
    return int(text.removesuffix("ns")) / 1e9


def main():
    global LATENCY, SLOW_RATE, SLOW, SEED, FETCH_TIMEOUT, HEDGE_AFTER, TIMED
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("workload", choices=["chain", "fanout", "bounded", "timer"])
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--latency", type=nanoseconds, default=0.0)
    parser.add_argument("--shape", choices=["join", "spawn"], default="join")
    parser.add_argument("--sleep", type=nanoseconds, default=0.001)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--slow-rate", type=float, default=0.0)
    parser.add_argument("--slow", type=nanoseconds, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fetch-timeout", type=nanoseconds, default=None)
    parser.add_argument("--hedge-after", type=nanoseconds, default=None)
    args = parser.parse_args()
    LATENCY, SLOW_RATE, SLOW, SEED = args.latency, args.slow_rate, args.slow, args.seed
    FETCH_TIMEOUT, HEDGE_AFTER = args.fetch_timeout, args.hedge_after
    TIMED = bool(SLOW_RATE) or HEDGE_AFTER is not None
    workload = {"chain": chain, "fanout": fanout, "bounded": bounded, "timer": timer}[args.workload]
    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()

    tally = None

    async def timed():
        nonlocal tally
        start = time.perf_counter()
        for _ in range(args.iterations):
            slow_fetches.update(fetches=0, checksum=0)
            hedged.update(needed=0, sent=0, extra_won=0, extra_after=[])
            timings.update(users=[], fetches=[])
            tally = await workload(args)
        return (time.perf_counter() - start) / args.iterations

    loop.run_until_complete(timed())  # warm-up
    samples = args.samples if args.workload == "timer" else 1
    samples_s = [loop.run_until_complete(timed()) for _ in range(samples)]
    loop.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    measurement = {"samples_s": samples_s, "peak_rss_bytes": peak, "bytes_per_task": None}
    tail = slow_fetches if SLOW_RATE else None
    json.dump({**measurement, "tally": tally, "tail": tail, "latencies": latencies()}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
