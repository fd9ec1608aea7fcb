"""Idle keep-alive connections, and what a user sees while they are held.

  conns.py hold HOST PORT N SECONDS
    opens N connections to HOST:PORT (at most 256 connecting at once, so the
    listen backlog is never the limit), sends one real HTTP/1.1 keep-alive
    request on each (GET /.well-known/openid-configuration), reads its whole
    answer, then holds them all idle for at most SECONDS. Prints
      HELD ok=N failed=N seconds=S
    once all are open, then every second
      OPEN t=S open=N
    (N: connections the server has not closed yet); exits when none is left
    open or SECONDS have passed.

  conns.py probe ISSUER CLIENT REDIRECT USER PASSWORD SECRET RUNS
    RUNS complete browser-style sign-ins one after the other (bench/storm.py's
    sign_in: authorize, sign-in page, POST /login with argon2id, code, token
    exchange with PKCE), then RUNS client_credentials and discovery requests,
    each on a fresh connection (as a new user's browser would come). Prints
      PROBE signin_ok=N signin_p50=MS signin_max=MS cc_p50=MS cc_max=MS disc_p50=MS disc_max=MS
"""
import asyncio
import sys
import time

REQ = ("GET /.well-known/openid-configuration HTTP/1.1\r\nHost: {host}:{port}\r\n"
       "Connection: keep-alive\r\n\r\n")


async def one(host, port, gate, opened, closed):
    """One connection: the request, its answer, then wait for the server to
    close it (EOF) or for the task to be cancelled."""
    async with gate:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
            writer.write(REQ.format(host=host, port=port).encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            if not head.startswith(b"HTTP/1.1 200"):
                raise ValueError(head[:40])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await asyncio.wait_for(reader.readexactly(length), 10)
        except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            return False
    opened[0] += 1
    try:
        await reader.read(1)  # b"" (EOF) when the server closes the idle connection
    finally:
        closed[0] += 1
        writer.close()
    return True


async def hold(host, port, n, seconds):
    gate = asyncio.Semaphore(256)
    opened, closed = [0], [0]
    start = time.monotonic()
    tasks = [asyncio.create_task(one(host, port, gate, opened, closed)) for _ in range(n)]
    # all connected (or failed): tasks still running are the open ones
    while opened[0] + sum(1 for t in tasks if t.done() and not t.result()) < n:
        if time.monotonic() - start > seconds:
            break
        await asyncio.sleep(0.05)
    failed = sum(1 for t in tasks if t.done() and not t.result())
    print(f"HELD ok={opened[0]} failed={failed} seconds={time.monotonic() - start:.1f}", flush=True)
    held = time.monotonic()
    while time.monotonic() - start < seconds and opened[0] - closed[0] > 0:
        await asyncio.sleep(1)
        print(f"OPEN t={time.monotonic() - held:.0f} open={opened[0] - closed[0]}", flush=True)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def probe(issuer, client, redirect, user, password, secret, runs):
    import requests

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import storm

    storm.issuer, storm.client, storm.redirect, storm.password = issuer, client, redirect, password

    def timed(f):
        s = time.perf_counter()
        ok = f()
        return ok, (time.perf_counter() - s) * 1000

    signin, cc, disc = [], [], []
    for _ in range(runs):
        ok, ms = timed(lambda: storm.sign_in(user) == 200)
        if ok:
            signin.append(ms)
    for _ in range(runs):
        ok, ms = timed(lambda: requests.post(issuer + "/token", auth=("bench-cc", secret), data={
            "grant_type": "client_credentials", "scope": "api"}, timeout=10).status_code == 200)
        if ok:
            cc.append(ms)
        ok, ms = timed(lambda: requests.get(
            issuer + "/.well-known/openid-configuration", timeout=10).status_code == 200)
        if ok:
            disc.append(ms)

    def stats(name, v):
        v.sort()
        return f"{name}_p50={v[len(v) // 2]:.1f} {name}_max={v[-1]:.1f}" if v else f"{name}_p50=- {name}_max=-"

    print(f"PROBE signin_ok={len(signin)} {stats('signin', signin)} {stats('cc', cc)} {stats('disc', disc)}",
          flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        asyncio.run(hold(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])))
    else:
        probe(*sys.argv[2:8], int(sys.argv[8]))
