"""``plankb serve``: the web app on waitress, a production WSGI server.

The first start builds the search index if the instance has none (and says so, since
it takes a few seconds); then it prints the address to open.

waitress is set for an office rather than left on its defaults, under which 100 idle
browser connections (keep-alive tabs, a scanner holding sockets) stopped it accepting
any more for two minutes, /healthz included. Idle connections cost no thread in
waitress, only a socket: so the limit on connections is high, idle ones are closed
sooner, and poll() replaces select() so more than 1,024 sockets are possible.
"""
from __future__ import annotations

import socket
import time

import click

# for an office of a few hundred people on one intranet server; see docs/guide.zh.md
THREADS = 8  # requests served at once; a search takes ~10-50 ms, so 8 answer far more users
CONNECTION_LIMIT = 500  # open connections, idle or not, before new ones wait
CHANNEL_TIMEOUT = 60  # seconds an idle connection is kept open (waitress: 120)


def _ensure_index(corpus, instance_dir) -> None:
    from index import IndexBuildError, build_index, index_status

    status = index_status(corpus, instance_dir)
    ready = status.get("exists") and status.get("fresh")
    if ready:
        return
    click.echo(f"首次启动：正在为 {len(corpus.documents)} 份规划建立检索索引（{instance_dir}）……", err=True)
    t0 = time.perf_counter()
    try:
        build_index(corpus, instance_dir)
    except IndexBuildError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"索引已建立，用时 {time.perf_counter() - t0:.1f} 秒。", err=True)


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
@click.option("--debug", is_flag=True,
              help="调试模式（Flask 开发服务器，显示错误详情；切勿在共享网络上使用）。")
@click.pass_obj
def serve(app_ctx, host: str, port: int, threads: int, connection_limit: int, channel_timeout: int,
          debug: bool):
    """启动网页版（默认 http://127.0.0.1:5000/）。"""
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
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{shown}:{port}/"
    if debug:
        click.echo(f"调试模式：{url}（按 Ctrl+C 停止）", err=True)
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return

    from waitress import create_server

    try:
        server = create_server(app, host=host, port=port, ident="plankb", threads=threads,
                               connection_limit=connection_limit, channel_timeout=channel_timeout,
                               asyncore_use_poll=True, cleanup_interval=min(30, channel_timeout))
    except OSError as e:
        raise click.ClickException(
            f"无法在 {host}:{port} 上启动：{e.strerror or e}（提示：端口可能已被占用，换用 --port {port + 1}）") from None
    if "*" not in app.config["ALLOWED_HOSTS"]:
        click.echo(f"允许的主机名：{'、'.join(app.config['ALLOWED_HOSTS'])}"
                   "（其他主机名一律拒绝；用环境变量 PLANKB_ALLOWED_HOSTS 增加，逗号分隔）", err=True)
    click.echo(f"plankb 已启动：{url}  （实例目录 {app_ctx.instance_dir}；按 Ctrl+C 停止）")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("已停止。")
    finally:
        server.close()
        from webapp.resources import close_all

        close_all(app)


def register(cli) -> None:
    cli.add_command(serve)
