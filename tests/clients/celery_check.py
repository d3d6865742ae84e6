#!/usr/bin/env python3
"""Celery's Redis broker through FastPgCache: a task sent with delay() is queued (LPUSH), taken by
a worker (BRPOP, with kombu's unacked hash and sorted set: HSET/ZADD/ZREVRANGEBYSCORE/ZREM/HDEL)
and run; its result comes back through Celery's Redis result backend (the caller SUBSCRIBEs to
the task's channel, the worker SETs the result and PUBLISHes it), and the worker's remote control
answers a ping (kombu's fanout exchange: PUBLISH/PSUBSCRIBE). Prints "celery: ok". Debian's
python3-celery and python3-redis."""
import os
import subprocess
import sys
import tempfile
import time

import redis

port = int(sys.argv[1])
broker = f"redis://127.0.0.1:{port}/0"
work = tempfile.mkdtemp(prefix="fpc-celery-")
with open(os.path.join(work, "fpc_tasks.py"), "w") as f:
    f.write(f'''
import redis
from celery import Celery

app = Celery("fpc_tasks", broker="{broker}", backend="{broker}")
app.conf.update(worker_send_task_events=False, broker_connection_retry_on_startup=True)


@app.task
def add(x, y):
    redis.Redis(host="127.0.0.1", port={port}).set("celery:sum", x + y)


@app.task
def mul(x, y):
    return x * y
''')
log = open(os.path.join(work, "worker.log"), "w")
worker = subprocess.Popen(
    [sys.executable, "-m", "celery", "-A", "fpc_tasks", "worker", "--pool=solo",
     "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO"],
    cwd=work, stdout=log, stderr=subprocess.STDOUT)
try:
    sys.path.insert(0, work)
    import fpc_tasks  # noqa: E402

    r = redis.Redis(host="127.0.0.1", port=port)
    r.delete("celery:sum")
    result = fpc_tasks.add.delay(2, 3)
    deadline = time.time() + 60
    while time.time() < deadline and r.get("celery:sum") != b"5":
        if worker.poll() is not None:
            break
        time.sleep(0.1)
    got = r.get("celery:sum")
    if got != b"5":
        log.flush()
        print(open(os.path.join(work, "worker.log")).read()[-3000:])
        raise AssertionError(f"the task did not run (celery:sum is {got!r})")
    # The result backend: the caller waits on the task's pub/sub channel.
    assert result.get(timeout=30) is None  # add() returns nothing; the state is what counts
    assert result.state == "SUCCESS", result.state
    total = fpc_tasks.mul.delay(6, 7).get(timeout=30)
    assert total == 42, total
    # Remote control: a broadcast ping answered by the worker (fanout over PUBLISH/PSUBSCRIBE).
    pongs = fpc_tasks.app.control.ping(timeout=5.0)
    assert pongs and all("ok" in list(p.values())[0] for p in pongs), pongs
    # The queue is drained and nothing is left unacknowledged.
    assert r.llen("celery") == 0
    assert r.hlen("unacked") == 0
finally:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
print("celery: ok")
