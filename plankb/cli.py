"""The ``plankb`` command: a thin click layer over the kb, index and webapp libraries.

Each area registers its own commands (``cmd_*`` modules). Every failure a user can
cause becomes one line on stderr and a non-zero exit, never a traceback.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from office.instance import resolve_instance


class AppContext:
    """What every command needs: the corpus folder, the instance folder, lazily loaded."""

    def __init__(self, corpus_dir: Path | None, instance_dir: Path | None):
        from kb.corpus import DEFAULT_CORPUS

        self.corpus_dir = Path(corpus_dir) if corpus_dir else DEFAULT_CORPUS
        self.instance_dir = resolve_instance(instance_dir)
        self._corpus = None

    @property
    def corpus(self):
        if self._corpus is None:
            from kb.corpus import CorpusError, load_corpus, parse_cache_dir

            try:  # plans parsed before are read from the instance (one changed plan, one parse)
                self._corpus = load_corpus(self.served_dir(), parse_cache_dir(self.instance_dir))
            except CorpusError as e:
                raise click.ClickException(str(e)) from None
        return self._corpus

    def served_dir(self) -> Path:
        """The corpus folder plus the plans published to the instance's database, as every
        server serves them (office.published); the corpus folder alone when the instance
        has no database yet or it cannot be used (the commands that need it say why)."""
        from office.db import DB_NAME, URL_ENV, Database
        from office.errors import ListError
        from office.published import sync

        if not (os.environ.get(URL_ENV) or (self.instance_dir / DB_NAME).exists()):
            return self.corpus_dir
        database = None
        try:
            database = Database.for_instance(self.instance_dir)
            return sync(database, self.corpus_dir, self.instance_dir)
        except (ListError, OSError):
            return self.corpus_dir
        finally:
            if database is not None:
                database.close()


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), envvar="PLANKB_CORPUS",
              help="语料目录（默认：随包的 corpus/）。")
@click.option("--instance", "instance_dir", type=click.Path(path_type=Path),
              help="实例目录：索引、清单数据库（默认：$PLANKB_INSTANCE 或 ~/.local/share/plankb）。")
@click.version_option(package_name="plankb", help="显示版本号并退出。")
@click.help_option("-h", "--help", help="显示本帮助并退出。")
@click.pass_context
def cli(ctx: click.Context, corpus_dir, instance_dir):
    """plankb：规划知识库、检索、目标追踪与任务分解导出。"""
    ctx.obj = AppContext(corpus_dir, instance_dir)


def _register_all() -> None:
    from plankb import cmd_export, cmd_kb, cmd_search, cmd_trace, cmd_web

    for mod in (cmd_kb, cmd_search, cmd_trace, cmd_export, cmd_web):
        mod.register(cli)
    from plankb import cmd_track, cmd_user  # actuals and the report; accounts

    cmd_user.register(cli)
    cmd_track.register(cli)


_register_all()


def main(argv=None) -> None:
    try:
        rv = cli.main(args=argv, prog_name="plankb", standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.Abort:  # Ctrl+C, or end of input at a prompt
        click.echo("已中断。", err=True)
        sys.exit(130)
    except click.UsageError as e:
        if e.ctx is not None:
            click.echo(e.ctx.get_usage(), err=True)
        click.echo(f"错误：{e.format_message()}（提示：plankb --help）", err=True)
        sys.exit(e.exit_code)
    except click.ClickException as e:
        click.echo(f"错误：{e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("已中断。", err=True)
        sys.exit(130)
    except Exception as e:  # a bug, not a user error: still one line unless debugging
        if os.environ.get("PLANKB_DEBUG"):
            raise
        click.echo(f"错误：{type(e).__name__}: {e}（设置 PLANKB_DEBUG=1 查看详情）", err=True)
        sys.exit(1)
