"""`plankb user …`: the administrators' account commands (a contract), end to end."""
from cli_support import run_plankb
from office.audit import AuditLog
from office.db import Database
from office.users import UserStore


def plankb(instance, *args, stdin=""):
    return run_plankb("--instance", str(instance), *args, ok=False, input=stdin)


def test_add_list_passwd_disable(tmp_path):
    r = plankb(tmp_path, "user", "add", "王五", "--role", "editor", "--unit", "省知识产权局", "--password-stdin",
               stdin="mima-12345\n")
    assert r.returncode == 0 and "已新建账号“王五”（编辑，省知识产权局）" in r.stdout, r.stderr
    r = plankb(tmp_path, "user", "add", "boss", "--role", "admin", "--password-stdin", stdin="mima-boss-1\n")
    assert r.returncode == 0
    r = plankb(tmp_path, "user", "list")
    assert r.returncode == 0
    assert r.stdout.splitlines() == ["boss\t管理员\t—\t—", "王五\t编辑\t省知识产权局\t—"]
    users = UserStore(Database.for_instance(tmp_path))
    assert users.authenticate("王五", "mima-12345").unit == "省知识产权局"
    r = plankb(tmp_path, "user", "passwd", "王五", "--password-stdin", stdin="new-mima-678\n")
    assert r.returncode == 0 and "已更改“王五”的密码" in r.stdout
    assert users.authenticate("王五", "new-mima-678").name == "王五"
    r = plankb(tmp_path, "user", "disable", "王五")
    assert r.returncode == 0 and "已停用" in r.stdout
    assert "（已停用）" in plankb(tmp_path, "user", "list").stdout
    actions = [e.action for e in reversed(AuditLog(users.db).entries())]
    assert actions == ["user.add", "user.add", "user.password", "user.disable"]
    assert all(e.actor.startswith("命令行:") for e in AuditLog(users.db).entries())
    assert "mima" not in "".join(e.new + e.old for e in AuditLog(users.db).entries())


def test_bad_input_is_one_chinese_line_and_a_non_zero_exit(tmp_path):
    cases = [
        (("user", "add", "a", "--role", "editor", "--password-stdin"), "short\n", "密码太短"),
        (("user", "add", "a", "--role", "boss", "--password-stdin"), "mima-12345\n", "boss"),
        (("user", "add", "有 空格", "--role", "editor", "--password-stdin"), "mima-12345\n", "用户名"),
        (("user", "add", "a", "--role", "editor", "--password-stdin"), "", "标准输入中没有密码"),
        (("user", "add", "a", "--role", "editor"), "", "--password-stdin"),  # no terminal to prompt on
        (("user", "passwd", "nobody", "--password-stdin"), "mima-12345\n", "没有用户“nobody”"),
        (("user", "disable", "nobody"), "", "没有用户“nobody”"),
        (("user", "add", "b", "--role", "editor", "--own-unit-only", "--password-stdin"), "mima-12345\n", "单位"),
    ]
    for args, stdin, words in cases:
        r = plankb(tmp_path, *args, stdin=stdin)
        assert r.returncode != 0 and words in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    plankb(tmp_path, "user", "add", "dup", "--role", "viewer", "--password-stdin", stdin="mima-12345\n")
    r = plankb(tmp_path, "user", "add", "dup", "--role", "viewer", "--password-stdin", stdin="mima-12345\n")
    assert r.returncode != 0 and "已有用户“dup”" in r.stderr


def test_an_empty_instance_says_how_to_create_the_first_account(tmp_path):
    r = plankb(tmp_path, "user", "list")
    assert r.returncode == 0 and "plankb user add 名称 --role admin --password-stdin" in r.stdout
