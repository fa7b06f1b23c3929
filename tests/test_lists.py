"""The task-list store: persistence, ordering, validation and concurrent edits."""
import sqlite3
import threading

import pytest

from office.lists import (
    DB_NAME,
    ConflictError,
    DuplicateNameError,
    ListError,
    ListStore,
    NotFoundError,
    ValidationError,
)

A, B, C, D = (f"gd-ip-14fyp:3.2.p{i}" for i in range(1, 5))


@pytest.fixture
def store(tmp_path):
    return ListStore.for_instance(tmp_path / "instance")


def test_db_lives_in_instance_folder_with_wal_and_schema_version(tmp_path):
    ListStore.for_instance(tmp_path / "inst")
    db = tmp_path / "inst" / DB_NAME
    assert db.is_file()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3  # 3: Alembic-managed; plankb 0.1 (1) refuses it


def test_lists_survive_reopening_the_store(tmp_path):
    s1 = ListStore.for_instance(tmp_path)
    lst = s1.create_list("司法保护", "司法保护任务分解表")
    items = s1.add_items(lst.id, [A, B])
    s1.update_item(items[1].id, 1, lead_unit="省法院", support_units="省检察院、省公安厅", deadline="2025年底前",
                   note="每半年报送进展")
    s2 = ListStore.for_instance(tmp_path)  # as after a restart
    again = s2.find_list("司法保护")
    assert again.title == "司法保护任务分解表" and again.item_count == 2
    got = s2.items(again.id)
    assert [i.clause_id for i in got] == [A, B]
    assert got[1].fields() == {"lead_unit": "省法院", "support_units": "省检察院、省公安厅",
                               "deadline": "2025年底前", "note": "每半年报送进展"}


def test_names_are_unique_trimmed_and_limited(store):
    store.create_list("  重点任务  ")
    assert store.find_list("重点任务").name == "重点任务"
    with pytest.raises(DuplicateNameError, match="已有名为“重点任务”的清单"):
        store.create_list("重点任务")
    with pytest.raises(ValidationError, match="清单名称不能为空"):
        store.create_list("   ")
    with pytest.raises(ValidationError, match="过长"):
        store.create_list("清" * 65)
    with pytest.raises(ValidationError, match="控制字符"):
        store.create_list("a\x00b")
    other = store.create_list("其他")
    with pytest.raises(DuplicateNameError):
        store.rename_list(other.id, name="重点任务")


def test_add_ignores_duplicates_and_keeps_order(store):
    lst = store.create_list("l")
    added = store.add_items(lst.id, [B, A, B])
    assert [i.clause_id for i in added] == [B, A]
    added = store.add_items(lst.id, [A, C])  # A already there
    assert [i.clause_id for i in added] == [C]
    assert [i.clause_id for i in store.items(lst.id)] == [B, A, C]
    assert [i.position for i in store.items(lst.id)] == [0, 1, 2]
    assert store.add_items(lst.id, A) == []


def test_bad_clause_ids_are_refused_before_anything_is_written(store):
    lst = store.create_list("l")
    for bad in ["../../etc/passwd", "gd-ip-14fyp:3.2.p1; DROP TABLE items", "", "no-colon", 42]:
        with pytest.raises(ValidationError, match="条款编号格式不正确"):
            store.add_items(lst.id, [A, bad])
    assert store.items(lst.id) == []


def test_remove_reorder_and_move(store):
    lst = store.create_list("l")
    a, b, c, d = store.add_items(lst.id, [A, B, C, D])
    assert store.remove_items(lst.id, [b.id]) == 1
    assert store.remove_items(lst.id, [b.id]) == 0  # a second browser clicking 删除 too is fine
    assert [i.position for i in store.items(lst.id)] == [0, 1, 2]
    got = store.reorder(lst.id, [d.id, a.id, c.id])
    assert [i.clause_id for i in got] == [D, A, C]
    moved = store.move_item(a.id, 99)  # clamped to the end
    assert moved.position == 2
    assert [i.clause_id for i in store.items(lst.id)] == [D, C, A]
    store.move_item(a.id, 0)
    assert [i.clause_id for i in store.items(lst.id)] == [A, D, C]


def test_reorder_keeps_items_added_meanwhile_by_someone_else(store):
    lst = store.create_list("l")
    a, b = store.add_items(lst.id, [A, B])
    (c,) = store.add_items(lst.id, [C])  # the other browser; this one still shows [a, b]
    got = store.reorder(lst.id, [b.id, a.id])
    assert [i.clause_id for i in got] == [B, A, C]


def test_reorder_with_stale_list_version_conflicts(store):
    lst = store.create_list("l")
    a, b = store.add_items(lst.id, [A, B])
    seen = store.get_list(lst.id).version
    store.add_items(lst.id, [C])
    with pytest.raises(ConflictError) as e:
        store.reorder(lst.id, [b.id, a.id], expected_version=seen)
    assert e.value.current.item_count == 3
    assert [i.clause_id for i in store.items(lst.id)] == [A, B, C]


def test_stale_version_on_the_same_field_is_a_conflict_carrying_the_current_item(store):
    lst = store.create_list("l")
    (item,) = store.add_items(lst.id, [A])
    store.update_item(item.id, item.version, lead_unit="省市场监管局")
    with pytest.raises(ConflictError) as e:
        store.update_item(item.id, item.version, lead_unit="省知识产权局")
    assert e.value.fields == ["lead_unit"]
    assert e.value.current.lead_unit == "省市场监管局"
    assert "牵头单位已被他人修改" in str(e.value)
    assert store.get_item(item.id).lead_unit == "省市场监管局"
    # setting the value someone else already set is not a conflict
    assert store.update_item(item.id, item.version, lead_unit="省市场监管局").lead_unit == "省市场监管局"


def test_two_browsers_editing_different_fields_both_survive(tmp_path):
    one = ListStore.for_instance(tmp_path)
    two = ListStore.for_instance(tmp_path)  # a second connection, as a second worker would have
    lst = one.create_list("l")
    a, b = one.add_items(lst.id, [A, B])
    seen_a = two.get_item(a.id)
    one.update_item(a.id, a.version, lead_unit="省法院")
    two.update_item(a.id, seen_a.version, deadline="2025年")  # stale version, untouched field
    two.update_item(b.id, b.version, note="另一条")
    final = one.get_item(a.id)
    assert (final.lead_unit, final.deadline) == ("省法院", "2025年")
    assert final.version == 3
    assert one.get_item(b.id).note == "另一条"


def test_unknown_field_and_missing_version_are_refused(store):
    lst = store.create_list("l")
    (item,) = store.add_items(lst.id, [A])
    with pytest.raises(ValidationError, match="未知的字段"):
        store.update_item(item.id, 1, position=5)
    with pytest.raises(ValidationError, match="缺少版本号"):
        store.update_item(item.id, None, note="x")
    with pytest.raises(ValidationError, match="过长"):
        store.update_item(item.id, 1, deadline="年" * 101)
    assert store.update_item(item.id, 1, note="第一行\n第二行").note == "第一行\n第二行"


def test_a_note_typed_in_a_browser_form_keeps_its_line_breaks(store):
    """Browsers submit a textarea's line breaks as CRLF; a lone CR is still a control character."""
    lst = store.create_list("l")
    (item,) = store.add_items(lst.id, [A])
    assert store.update_item(item.id, 1, note="第一行\r\n第二行").note == "第一行\n第二行"
    with pytest.raises(ValidationError, match="控制字符"):
        store.update_item(item.id, 2, note="第一行\r第二行")
    with pytest.raises(ValidationError, match="控制字符"):
        store.update_item(item.id, 2, lead_unit="省\r\n法院")  # one-line fields stay one line


def test_missing_lists_and_items_say_so(store):
    with pytest.raises(NotFoundError, match="清单不存在"):
        store.items(99)
    with pytest.raises(NotFoundError, match="条目不存在"):
        store.update_item(99, 1, note="x")
    with pytest.raises(ValidationError):
        store.get_list("1; DROP TABLE lists")
    lst = store.create_list("l")
    store.add_items(lst.id, [A])
    store.delete_list(lst.id)
    assert store.find_list("l") is None
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0  # cascade


def test_rename_with_stale_version_conflicts(store):
    lst = store.create_list("旧名")
    renamed = store.rename_list(lst.id, name="新名", expected_version=lst.version)
    assert renamed.name == "新名" and renamed.version == lst.version + 1
    with pytest.raises(ConflictError):
        store.rename_list(lst.id, title="标题", expected_version=lst.version)
    for bad in ("abc", [1], True):  # whatever a browser sends, a 400, never a 500
        with pytest.raises(ValidationError, match="版本号必须是整数"):
            store.rename_list(lst.id, title="标题", expected_version=bad)
        with pytest.raises(ValidationError, match="版本号必须是整数"):
            store.reorder(lst.id, [], expected_version=bad)


def test_a_newer_schema_is_refused_clearly(tmp_path):
    ListStore.for_instance(tmp_path)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    with pytest.raises(ListError, match="更新的 plankb 版本"):
        ListStore.for_instance(tmp_path)


def test_concurrent_adds_from_threads_lose_nothing(tmp_path):
    store = ListStore.for_instance(tmp_path)
    lst = store.create_list("l")
    errors = []

    def worker(k):
        try:
            s = ListStore.for_instance(tmp_path)
            for i in range(20):
                s.add_items(lst.id, [f"gd-ip-14fyp:{k}.1.p{i + 1}"])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    items = store.items(lst.id)
    assert len(items) == 80
    assert sorted(i.position for i in items) == list(range(80))


def _edit_field(db_dir, item_id, field, rounds, out):
    """One 'browser' in its own process: read the item, edit one field, repeat."""
    store = ListStore.for_instance(db_dir)
    conflicts = 0
    for i in range(rounds):
        seen = store.get_item(item_id)
        try:
            store.update_item(item_id, seen.version, **{field: f"{field}-{i}"})
        except ConflictError:
            conflicts += 1
    out.put((field, conflicts))


def test_two_processes_editing_different_fields_of_one_item_lose_nothing(tmp_path):
    import multiprocessing as mp

    store = ListStore.for_instance(tmp_path)
    lst = store.create_list("l")
    (item,) = store.add_items(lst.id, [A])
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    rounds = 40
    procs = [ctx.Process(target=_edit_field, args=(tmp_path, item.id, f, rounds, out))
             for f in ("lead_unit", "deadline")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    results = dict(out.get(timeout=5) for _ in procs)
    assert results == {"lead_unit": 0, "deadline": 0}  # stale versions, untouched fields: merged
    final = store.get_item(item.id)
    assert (final.lead_unit, final.deadline) == (f"lead_unit-{rounds - 1}", f"deadline-{rounds - 1}")
    assert final.version == 1 + 2 * rounds


@pytest.mark.parametrize("bad", [1.5, 1.0, "1.5", "１", True, None, [1], 2 ** 63, "9" * 30, -1])
def test_ids_and_versions_must_be_whole_numbers_in_range(store, bad):
    tl = store.create_list("整数校验")
    (item,) = store.add_items(tl.id, [A])
    with pytest.raises(ValidationError):
        store.get_item(bad)
    if bad is not None:  # a missing version means "don't check"
        with pytest.raises(ValidationError):
            store.update_item(item.id, bad, note="x")
    assert store.get_item(item.id).note == ""


def test_a_damaged_database_is_a_503_in_chinese_and_left_untouched(tmp_path):
    from office.lists import StoreUnavailable

    inst = tmp_path / "instance"
    inst.mkdir()
    db = inst / DB_NAME
    db.write_bytes(b"this is not an sqlite database" * 100)
    before = db.read_bytes()
    with pytest.raises(StoreUnavailable) as e:
        ListStore.for_instance(inst).lists()
    assert e.value.status == 503 and "清单数据库已损坏" in str(e.value) and str(db) in str(e.value)
    assert db.read_bytes() == before


def test_a_locked_database_says_busy_in_chinese(tmp_path):
    from office.lists import StoreUnavailable

    store = ListStore.for_instance(tmp_path / "instance")
    store.create_list("锁")
    other = sqlite3.connect(store.path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailable, match="清单数据库正忙"):
            ListStore(store.path, timeout=0.05).create_list("另一个")
    finally:
        other.rollback()
        other.close()
    assert [tl.name for tl in store.lists()] == ["锁"]


# -- what enters: characters XML cannot hold, names that only look different (issue 8 #11, #17) --

INVISIBLE = ["\u200b", "\u202e", "\ufeff", "\u2066", "\u200e", "\u2060"]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_names_that_look_the_same_are_one_name(store, mark):
    store.create_list("重点任务")
    with pytest.raises(DuplicateNameError):
        store.create_list(f"重点{mark}任务")
    with pytest.raises(DuplicateNameError):
        store.create_list(f"{mark}重点任务")
    assert store.find_list(f"重点任务{mark}").name == "重点任务"
    other = store.create_list("其他")
    with pytest.raises(DuplicateNameError):
        store.rename_list(other.id, name=f"{mark}重点任务")


def test_a_name_of_invisible_characters_only_is_empty(store):
    with pytest.raises(ValidationError, match="清单名称不能为空"):
        store.create_list("\u200b\ufeff")


@pytest.mark.parametrize("bad", ["\ufffe", "\uffff", "\U0010ffff", "\ufdd0"])
def test_noncharacters_are_stripped_from_names_titles_and_fields(store, bad):
    tl = store.create_list(f"名{bad}称", f"标{bad}题")
    assert (tl.name, tl.title) == ("名称", "标题")
    item = store.add_items(tl.id, [A], fields={"lead_unit": f"省{bad}法院"})[0]
    assert item.lead_unit == "省法院"
    item = store.update_item(item.id, item.version, note=f"第一行{bad}\n第二行", deadline=f"2025年{bad}底前")
    assert (item.note, item.deadline) == ("第一行\n第二行", "2025年底前")


@pytest.mark.parametrize("bad", ["\x00", "\x08", "\x1b", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused_with_a_reason(store, bad):
    with pytest.raises(ValidationError, match="清单名称含有"):
        store.create_list(f"名{bad}称")
    tl = store.create_list("正常")
    item = store.add_items(tl.id, [A])[0]
    with pytest.raises(ValidationError, match="备注含有"):
        store.update_item(item.id, item.version, note=f"备{bad}注")


def test_support_units_may_be_one_unit_a_line(store):
    """Issue 11 #10: a long 配合单位 is written one unit a line; other one-line fields are not."""
    tl = store.create_list("多行配合单位")
    item = store.add_items(tl.id, [A])[0]
    item = store.update_item(item.id, item.version, support_units="省法院\r\n省检察院\n省公安厅")
    assert item.support_units == "省法院\n省检察院\n省公安厅"
    with pytest.raises(ValidationError, match="牵头单位含有控制字符"):
        store.update_item(item.id, item.version, lead_unit="省法院\n省检察院")


def test_local_time_defaults_to_beijing_and_survives_bad_zones(monkeypatch):
    from office.localtime import local_time

    monkeypatch.delenv("PLANKB_TIMEZONE", raising=False)
    assert local_time("2026-11-26T17:30:00.000000Z") == "2026-11-27 01:30"
    monkeypatch.setenv("PLANKB_TIMEZONE", "UTC")
    assert local_time("2026-11-26T17:30:00.000000Z") == "2026-11-26 17:30"
    assert local_time("2026-11-26T17:30:00.000000Z", "不存在/的时区") == "2026-11-27 01:30"
    assert local_time("garbage") == "garbage"
