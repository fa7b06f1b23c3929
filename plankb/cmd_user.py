"""``plankb user …``: accounts for administrators on the server (a contract):

    plankb user add NAME --role admin|editor|viewer [--unit UNIT] --password-stdin
    plankb user list
    plankb user passwd NAME
    plankb user disable NAME

Whoever can run plankb on the server can open the database anyway, so these commands
act with administrator rights; the trail records them as ``命令行:<系统用户>``.
Passwords come from standard input (one line) or a hidden prompt, never from the
command line, where ``ps`` and the shell history would show them.
"""
from __future__ import annotations

import sys

import click


def _users(ctx):
    from office.db import Database
    from office.errors import ListError
    from office.users import UserStore

    try:
        return UserStore(Database.for_instance(ctx.obj.instance_dir))
    except ListError as e:
        raise click.ClickException(str(e)) from None


def _guard(fn, *args, **kwargs):
    from office.errors import ListError

    try:
        return fn(*args, **kwargs)
    except ListError as e:
        raise click.ClickException(str(e)) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("标准输入中没有密码（提示：echo 'mima1234' | plankb user add … --password-stdin）。")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.ClickException("不在终端中运行：请用 --password-stdin 从标准输入提供密码。")
    return click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")


@click.group("user")
def user_group():
    """账号管理：新建、列出、改密码、停用（管理员在服务器上使用）。"""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "editor", "viewer"]), required=True,
              help="角色：admin 管理员，editor 编辑，viewer 只读。")
@click.option("--unit", default="", help="所属单位（编辑新建的清单归属该单位）。")
@click.option("--display-name", default="", help="显示的姓名。")
@click.option("--own-unit-only", is_flag=True, help="编辑只能修改本单位的清单。")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行）。")
@click.pass_context
def add(ctx, name, role, unit, display_name, own_unit_only, password_stdin):
    """新建账号 NAME。"""
    password = _password(password_stdin)
    user = _guard(_users(ctx).add, name, role=role, password=password, unit=unit,
                  display_name=display_name, own_unit_only=own_unit_only)
    click.echo(f"已新建账号“{user.name}”（{user.role_label}{'，' + user.unit if user.unit else ''}）。")


@user_group.command("list")
@click.pass_context
def list_users(ctx):
    """列出全部账号。"""
    users = _guard(_users(ctx).users)
    if not users:
        click.echo("尚无账号（提示：plankb user add 名称 --role admin --password-stdin）。")
        return
    for u in users:
        flags = ("" if u.active else "（已停用）") + ("（仅限本单位清单）" if u.own_unit_only else "")
        click.echo(f"{u.name}\t{u.role_label}\t{u.unit or '—'}\t{u.display_name or '—'}{flags}")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（一行）。")
@click.pass_context
def passwd(ctx, name, password_stdin):
    """重设 NAME 的密码（该账号已登录的会话随之失效）。"""
    users = _users(ctx)
    password = _password(password_stdin)
    user = _guard(users.set_password, name, password)
    click.echo(f"已更改“{user.name}”的密码。")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
def disable(ctx, name):
    """停用 NAME（不能再登录，已登录的会话失效；操作记录保留）。"""
    user = _guard(_users(ctx).set_active, name, False)
    click.echo(f"已停用账号“{user.name}”。")


@user_group.command("enable")
@click.argument("name")
@click.pass_context
def enable(ctx, name):
    """重新启用 NAME。"""
    user = _guard(_users(ctx).set_active, name, True)
    click.echo(f"已启用账号“{user.name}”。")


def register(cli) -> None:
    cli.add_command(user_group)
