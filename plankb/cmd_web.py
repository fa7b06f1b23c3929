"""``plankb serve``: the web app on waitress, a production WSGI server.

The first start builds the search index if the instance has none (and says so, since
it takes a few seconds); then it prints the address to open.

waitress is set for an office rather than left on its defaults, under which 100 idle
browser connections (keep-alive tabs, a scanner holding sockets) stopped it accepting
any more for two minutes, /healthz included. Idle connections cost no thread in
waitress, only a socket: so the limit on connections is high, idle ones are closed
sooner, and poll() replaces select() so more than 1,024 sockets are possible.

``--workers N`` uses the machine's cores: waitress's threads share one Python process,
so one core. The parent binds the listening socket once, builds (or loads) what every
worker reads (the index on disk, the corpus, the open index and the graph in memory),
freezes it for the collector, then forks N workers that each serve the same socket
with waitress (the kernel hands each new connection to one of them): the workers share
the parent's pages of what was loaded, so a second worker costs what it allocates
itself, not a second copy. The parent
forwards SIGTERM/SIGINT to the workers and restarts a worker that dies. No new
dependency: gunicorn would do the forking too, but it would have to import the app
in each worker or preload it the same way, and it brings its own settings and
signals beside waitress's; forking around waitress keeps the office settings above as
they are.

When the corpus changes, the workers only notice it (their pages show the update
banner) and keep serving; the parent builds the new index and graph in a child
process and loads them in a background thread (webapp/resources.py), then forks a new
set of workers that share the new snapshot, and only once they are ready tells the old
ones to leave (SIGUSR1): an old worker stops accepting (the listening socket is shared,
so the new ones take every new connection), finishes the requests it has, closes its
idle keep-alive connections and exits. No request waits for the rebuild and none is
dropped; memory holds one copy of the served corpus, not one per worker (each worker
loading its own after an update was 235 MB of private memory at 100 plans).
"""
from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import time

import click

# for an office of a few hundred people on one intranet server; see docs/guide.zh.md
THREADS = 8  # requests served at once; a search takes ~10-50 ms, so 8 answer far more users
CONNECTION_LIMIT = 500  # open connections, idle or not, before new ones wait
CHANNEL_TIMEOUT = 60  # seconds an idle connection is kept open (waitress: 120)
BACKLOG = 1024  # connections the kernel queues for the workers to accept
QUICK_DEATHS = 5  # workers dying this many times in a row within STARTUP_SECONDS: give up
STARTUP_SECONDS = 10
# A worker's own memory grows as it serves: every shared object a request touches has its
# reference count written, so copy-on-write gives the worker its own copy of that page
# (at 100 plans a worker that has served every kind of page of every plan holds ~90 MB of
# its own). Past this many MB it is replaced by a fresh fork, which shares everything
# again; one worker per RECYCLE_MIN_SECONDS at most (a corpus whose pages need more than
# this does not make workers come and go). 0 turns it off.
WORKER_MEMORY_MB = 48
RECYCLE_MIN_SECONDS = 10
MEMORY_CHECK_SECONDS = 2.0
TICK_SECONDS = 0.5  # how often the parent looks at its workers and the corpus; a worker's loop wakes as often


def _ensure_index(corpus, instance_dir) -> None:
    from index import IndexBuildError, build_index, index_status, vectors_missing

    status = index_status(corpus, instance_dir)
    ready = status.get("exists") and status.get("fresh")
    if ready:
        return
    click.echo(f"首次启动：正在为 {len(corpus.documents)} 份规划建立检索索引（{instance_dir}）……", err=True)
    t0 = time.perf_counter()
    try:
        # words only: the server computes the vectors in a process of its own once it serves
        # (the seed's 702 clause and sentence vectors took 35–75 s; nobody should wait for them)
        meta = build_index(corpus, instance_dir, vectors=False)
    except IndexBuildError as e:
        raise click.ClickException(str(e)) from None
    later = "；语义向量在后台计算，算完后自动用于检索" if vectors_missing(meta) else ""
    click.echo(f"索引已建立，用时 {time.perf_counter() - t0:.1f} 秒{later}。", err=True)


def _host_names(host: str) -> list[str]:
    """The names the server answers to besides the local ones: the address it listens on
    or, listening on every interface, this machine's own name."""
    if host in ("0.0.0.0", "::", ""):
        return [socket.gethostname()]
    return [host]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；内网共享时用 0.0.0.0。")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="端口。")
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(1, 64),
              help="工作线程数（同时处理的请求数）。")
@click.option("--connection-limit", default=CONNECTION_LIMIT, show_default=True,
              type=click.IntRange(10, 10000), help="同时保持的连接数上限（含空闲连接）。")
@click.option("--channel-timeout", default=CHANNEL_TIMEOUT, show_default=True,
              type=click.IntRange(5, 3600), help="空闲连接保持的秒数，超时即关闭。")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="工作进程数（每个进程占用一个 CPU 核心；一般设为核心数）。"
                   "语料、检索索引和图谱由主进程载入一次，各工作进程共用这部分内存。")
@click.option("--worker-memory", default=WORKER_MEMORY_MB, show_default=True, type=click.IntRange(0, 1_000_000),
              help="每个工作进程自有内存（MB）超过此值时，由新的工作进程接替（不中断请求）；0 表示不限。")
@click.option("--debug", is_flag=True,
              help="调试模式（Flask 开发服务器，显示错误详情；切勿在共享网络上使用）。")
@click.pass_obj
def serve(app_ctx, host: str, port: int, threads: int, connection_limit: int, channel_timeout: int,
          workers: int, worker_memory: int, debug: bool):
    """启动网页版（默认 http://127.0.0.1:5000/）。

    --workers N：同时使用N个CPU核心（一个进程的多个线程只能用一个核心）；语料、检索索引和图谱由主进程载入一次，各工作进程共用这部分内存。工作进程自有内存超过 --worker-memory 时由新的工作进程接替，请求不中断。在2核的测试机上，100份规划时2个工作进程合计约340–355 MB内存。
    """
    from webapp import create_app

    try:
        corpus = app_ctx.corpus  # fails here, as one clear line, if the corpus cannot be read
    except OSError as e:  # a dangling link or unreadable file the loader did not expect
        raise click.ClickException(f"语料无法读取：{e.filename or app_ctx.corpus_dir}："
                                   f"{e.strerror or e}（提示：检查语料目录中的文件）。") from None
    if app_ctx.instance_dir.exists() and not app_ctx.instance_dir.is_dir():
        raise click.ClickException(f"实例目录 {app_ctx.instance_dir} 是一个文件，不是目录"
                                   "（提示：用 --instance 指定一个可写的目录）。")
    try:
        app_ctx.instance_dir.mkdir(parents=True, exist_ok=True)
        _ensure_index(corpus, app_ctx.instance_dir)
        app = create_app({"INSTANCE_PATH": app_ctx.instance_dir, "CORPUS_DIR": str(app_ctx.corpus_dir),
                          "ALLOWED_HOSTS": _host_names(host)})
    except OSError as e:
        raise click.ClickException(
            f"无法使用实例目录 {app_ctx.instance_dir}：{e.strerror or e}"
            "（提示：用 --instance 指定一个可写的目录）。") from None
    except ValueError as e:  # a setting the app refuses (e.g. single sign-on without its proxy): its Chinese reason
        raise click.ClickException(str(e)) from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{shown}:{port}/"
    if debug:
        click.echo(f"调试模式：{url}（按 Ctrl+C 停止）", err=True)
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    settings = dict(ident="plankb", threads=threads, connection_limit=connection_limit,
                    channel_timeout=channel_timeout, asyncore_use_poll=True,
                    cleanup_interval=min(30, channel_timeout))
    if workers > 1:
        sock = _listen(host, port)  # a busy port is said at once, before any loading
        _prepare(app, index=True)  # loaded once, here: the workers share its pages
        _warm_pages(app)  # … and each kind of page run once, here (see webapp.resources.warm_pages)
        _say_hosts(app)
        click.echo(f"plankb 已启动：{url}  （{workers} 个工作进程；实例目录 {app_ctx.instance_dir}；"
                   "按 Ctrl+C 停止）")
        code = _supervise(app, sock, workers, settings, worker_memory)
        click.echo("已停止。")
        sys.exit(code)
    from waitress import create_server

    try:
        server = create_server(app, host=host, port=port, **settings)
    except OSError as e:
        raise click.ClickException(_port_message(host, port, e)) from None
    _prepare(app, index=True)
    _freeze_loaded()
    _say_hosts(app)
    click.echo(f"plankb 已启动：{url}  （实例目录 {app_ctx.instance_dir}；按 Ctrl+C 停止）")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。")
    finally:
        server.close()
        from webapp.resources import close_all

        close_all(app)


def _port_message(host: str, port: int, e: OSError) -> str:
    return f"无法在 {host}:{port} 上启动：{e.strerror or e}（提示：端口可能已被占用，换用 --port {port + 1}）"


def _say_hosts(app) -> None:
    if "*" not in app.config["ALLOWED_HOSTS"]:
        click.echo(f"允许的主机名：{'、'.join(app.config['ALLOWED_HOSTS'])}"
                   "（其他主机名一律拒绝；用环境变量 PLANKB_ALLOWED_HOSTS 增加，逗号分隔）", err=True)


def _prepare(app, index: bool) -> None:
    """The first snapshot before any connection: corpus, graph (loaded from the instance
    or built and stored there) and the open index (its records, dictionaries and
    vectors; whoosh opens its files per searcher, so after the fork each worker maps
    them itself)."""
    from webapp.resources import warm

    t0 = time.perf_counter()
    try:
        warm(app, index=index)
    except Exception as e:  # noqa: BLE001 — the pages say what is missing (503); serve anyway
        click.echo(f"预先载入未完成（{getattr(e, 'description', None) or e}），网页将说明缺少什么。", err=True)
        return
    took = time.perf_counter() - t0
    if took > 2:
        click.echo(f"语料和图谱已载入，用时 {took:.1f} 秒。", err=True)


def _warm_pages(app) -> None:
    from webapp.resources import resources, warm_pages

    res = resources(app)
    if res.live is not None:
        with app.app_context():
            warm_pages(app, res.live)


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound once in the parent and shared by every worker."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                          flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(BACKLOG)
    except OSError as e:
        raise click.ClickException(_port_message(host, port, e)) from None
    sock.set_inheritable(True)
    return sock


def _worker(app, sock: socket.socket, settings: dict, ready: int) -> int:
    """One worker, after the fork: serve the shared socket with the snapshot the parent
    loaded (opening the index itself only if the parent could not) until SIGTERM or
    SIGINT (stop now) or SIGUSR1 (replaced: finish what it has, then exit). ``ready`` is
    the pipe on which it tells the parent it serves."""
    from waitress import create_server

    from webapp.resources import close_all, resources, warm

    leave = {"at": None}

    def stop(signum, frame):
        raise SystemExit(0)

    def replaced(signum, frame):
        if leave["at"] is None:
            leave["at"] = time.monotonic()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGUSR1, replaced)
    resources(app).follower = True  # corpus updates: the parent loads them and replaces us
    server = None
    try:
        try:
            warm(app, graph=False)  # a no-op when the parent loaded it
        except Exception:  # noqa: BLE001 — a missing index is a 503 on the search pages
            pass
        server = create_server(app, sockets=[sock], **settings)
        click.echo(f"工作进程 {os.getpid()} 已就绪。", err=True)
        os.write(ready, b"1")
        os.close(ready)
        _serve(server, leave)
        return 0
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 0
    finally:
        if server is not None:
            server.task_dispatcher.shutdown()  # (as server.run() does when it stops)
            server.close()
        close_all(app)


def _serve(server, leave: dict) -> None:
    """waitress's loop (``server.run()``), one poll at a time so that a worker told to
    leave (``leave["at"]`` set) can stop accepting and exit once it has answered what
    it was asked."""
    while True:
        server.asyncore.loop(timeout=TICK_SECONDS, map=server._map, use_poll=True, count=1)
        if leave["at"] is not None and _drained(server, leave["at"]):
            return


def _drained(server, since: float) -> bool:
    """Stop accepting (the workers that replace this one accept from the same socket),
    close the connections with nothing under way, and say whether none is left.

    A connection is left open while a request on it is being read, run or answered, or
    while it is new and has not sent its first request yet (it was accepted here just
    before: its request is coming). An idle keep-alive connection is closed, as waitress
    closes one after ``--channel-timeout``: a browser opens a new one for its next
    request, which one of the new workers accepts."""
    server.accepting = False
    busy = False
    now = time.time()
    patience = server.adj.channel_timeout  # --channel-timeout: for a first request, and for the whole drain
    for ch in list(server.active_channels.values()):
        new = ch.last_activity == ch.creation_time and now - ch.creation_time < patience
        if ch.requests or ch.request is not None or ch.total_outbufs_len or new:
            busy = True
        elif not ch.will_close:
            ch.will_close = True  # closed by the next loop turn (writable → handle_close)
            busy = True
    return not busy or time.monotonic() - since > patience


def _freeze_loaded() -> None:
    """Leave the loaded snapshot out of the collector's walks: collect what is garbage
    now, then move every object left to the permanent generation. A full collection
    walked all of them (775 ms at 100 plans, inside whichever request triggered it) and,
    after ``--workers`` forks, wrote to each, so copy-on-write gave every worker its own
    copy of every page. Objects made later are collected as usual; a worker unfreezes
    when it moves to a newer corpus (webapp/resources.py)."""
    gc.collect()
    gc.freeze()


def _fork_worker(app, sock, settings) -> tuple[int, bool]:
    """Fork one worker; (its pid, whether it said it serves: False if it died first)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never return into click
        code = 1
        try:
            os.close(r)
            code = _worker(app, sock, settings, w)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(w)
    try:
        said = os.read(r, 1)  # b"" once the worker is gone without saying it
    except OSError:
        said = b""
    finally:
        os.close(r)
    return pid, said == b"1"


def _reaped() -> list[tuple[int, int]]:
    """(pid, status) of every worker that has ended, without waiting."""
    out = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return out
        if pid == 0:
            return out
        out.append((pid, status))


def private_mb(pid: int) -> float:
    """The memory a process has to itself (Private_Dirty: what it copied or allocated), in MB;
    0 where /proc cannot say."""
    from kb.procmem import proc_kb

    return proc_kb(f"/proc/{pid}/smaps_rollup", "Private_Dirty:") / 1024


def _supervise(app, sock, workers: int, settings: dict, worker_memory: int = 0) -> int:
    """Fork the workers, restart one that dies, replace one whose own memory passed
    ``worker_memory`` MB, load corpus updates and replace the workers with ones that serve
    them, and stop them all on SIGTERM/SIGINT."""
    from webapp.resources import close_all, resources

    res = resources(app)
    serving: dict[int, float] = {}  # pid → when it started: the workers of the live snapshot
    leaving: set[int] = set()  # replaced workers finishing their requests
    state = {"stopping": False}
    told: set[int] = set()  # workers sent SIGTERM
    quick = 0

    def stop(signum, frame):
        state["stopping"] = True
        for pid in {*serving, *leaving} - told:  # (one forked meanwhile is told at the next turn)
            told.add(pid)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _freeze_loaded()
    for _ in range(workers):
        pid, _ = _fork_worker(app, sock, settings)
        serving[pid] = time.monotonic()
    served = (res.live, res.failed)  # what the workers serve (or were told failed)
    code = 0
    measured = time.monotonic()
    recycled = float("-inf")
    while serving or leaving:
        for pid, status in _reaped():
            if pid in leaving:
                leaving.discard(pid)
                continue
            started = serving.pop(pid, None)
            if started is None or state["stopping"]:
                continue
            quick = quick + 1 if time.monotonic() - started < STARTUP_SECONDS else 0
            if quick >= QUICK_DEATHS:
                click.echo(f"工作进程接连启动失败 {quick} 次，停止服务。", err=True)
                code = 1
                stop(signal.SIGTERM, None)
                continue
            click.echo(f"工作进程 {pid} 已退出（状态 {status}），正在重启。", err=True)
        if state["stopping"]:
            stop(signal.SIGTERM, None)
        else:
            with app.app_context():
                res.check()  # a changed corpus: loaded in a thread of this process
            if res.updating is None:  # never fork while that thread runs (it may hold locks)
                if (res.live, res.failed) != served:
                    served = (res.live, res.failed)
                    _replace_all(app, res, sock, settings, workers, serving, leaving)
                while len(serving) < workers and not state["stopping"]:
                    pid, _ = _fork_worker(app, sock, settings)
                    serving[pid] = time.monotonic()
                now = time.monotonic()
                if worker_memory and now - measured >= MEMORY_CHECK_SECONDS and now - recycled >= RECYCLE_MIN_SECONDS:
                    measured = now
                    if _recycle(app, sock, settings, serving, leaving, worker_memory):
                        recycled = now
        time.sleep(TICK_SECONDS)
    sock.close()
    close_all(app)
    return code


def _recycle(app, sock, settings: dict, serving: dict, leaving: set, limit_mb: int) -> bool:
    """Replace the one worker (at most) whose own memory is past ``limit_mb`` (the largest):
    a fresh fork first, then the old one finishes its requests and leaves, as after an
    update. Whether one was replaced."""
    over = [(mb, pid) for pid in serving if (mb := private_mb(pid)) > limit_mb]
    if not over:
        return False
    mb, old = max(over)
    _freeze_loaded()  # (what the parent made since: its own, not the workers')
    pid, ok = _fork_worker(app, sock, settings)
    serving[pid] = time.monotonic()
    if not ok:  # the new one did not start: keep the old one (the loop restarts the new)
        return True
    serving.pop(old, None)
    _tell_to_leave([old], leaving)
    click.echo(f"工作进程 {old} 自有内存 {mb:.0f} MB，超过 {limit_mb} MB，由新的工作进程 {pid} 接替。", err=True)
    return True


def _tell_to_leave(pids, leaving: set) -> None:
    """SIGUSR1: stop accepting, answer what is in hand, exit (a worker gone already is skipped)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGUSR1)
            leaving.add(pid)
        except ProcessLookupError:
            pass


def _replace_all(app, res, sock, settings: dict, workers: int, serving: dict, leaving: set) -> None:
    """After an update (loaded, or failed and said so): fork workers that share the new
    snapshot; once one of them serves, tell the old ones to leave."""
    from webapp.resources import _prefill, warm_pages

    res.drop_retired()  # the old workers have their own pages of it
    if res.live is not None:
        _prefill(app, res.live)
        warm_pages(app, res.live)
    _freeze_loaded()
    old = dict(serving)
    serving.clear()
    ready = False
    for _ in range(workers):
        pid, ok = _fork_worker(app, sock, settings)
        serving[pid] = time.monotonic()
        ready = ready or ok
    if not ready:  # none of the new ones serves: keep the old ones (the loop restarts the new)
        serving.update(old)
        return
    _tell_to_leave(old, leaving)
    click.echo(f"语料已更新：新的工作进程 {'、'.join(map(str, serving))} 已接替。", err=True)


def register(cli) -> None:
    cli.add_command(serve)
