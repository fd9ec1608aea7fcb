"""Sign-ins hash passwords (argon2id, tens of milliseconds each) on their
own threads: a burst of sign-ins never holds the connection threads, so
token requests keep being answered meanwhile, and every sign-in completes."""
import os
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import BACKEND_SECRET, pkce_pair

BURST = 16  # far more than the server has connection threads


def cc_latency(gh):
    t = time.perf_counter()
    r = gh.token({"grant_type": "client_credentials"}, auth=("backend", BACKEND_SECRET))
    assert r.status_code == 200, r.text
    return time.perf_counter() - t


def test_token_requests_do_not_wait_for_sign_ins(gh):
    gh.setup()
    gh.start("--threads", "2")  # what a 2-core machine gets by default
    s, page = gh.authorize(challenge=pkce_pair()[1])
    t = time.perf_counter()
    assert gh.login(s, page).status_code in (302, 303)
    one_login = time.perf_counter() - t

    pages = [gh.authorize(challenge=pkce_pair()[1]) for _ in range(BURST)]
    lat = []
    with ThreadPoolExecutor(BURST) as ex:
        futs = [ex.submit(gh.login, s, p) for s, p in pages]
        while not all(f.done() for f in futs):
            lat.append(cc_latency(gh))
        answers = [f.result() for f in futs]
    assert [a.status_code for a in answers if a.status_code not in (302, 303)] == []
    # the burst takes several hash times; tokens were issued all along, none
    # waiting behind queued password checks (with hashing on the connection
    # threads the slowest waited 4-10 sign-in times here)
    assert len(lat) >= 3, lat
    assert max(lat) < 2 * one_login, (max(lat), one_login)


def test_concurrent_guesses_cannot_outrun_the_throttle(server):
    """Twenty wrong passwords for one user at once: the throttle is checked
    again beside each hash and every failure is recorded there, so beyond
    the three free failures only as many guesses as there are hashing
    threads (one per core) reach the password check; the rest get 429."""
    gh = server
    burst = 20
    pages = [gh.authorize(challenge=pkce_pair()[1]) for _ in range(burst)]
    with ThreadPoolExecutor(burst) as ex:
        answers = list(ex.map(lambda sp: gh.login(sp[0], sp[1], password="wrong-guess"), pages))
    codes = [a.status_code for a in answers]
    assert set(codes) <= {401, 429}, codes
    assert codes.count(401) <= 3 + (os.cpu_count() or 1), codes
    assert codes.count(429) >= burst - 3 - (os.cpu_count() or 1), codes
