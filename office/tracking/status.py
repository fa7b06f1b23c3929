"""Where the plan stands: each measure with its values by year and its verdict.

``tracking(corpus, store)`` is the ``plankb actuals --json`` contract (the web's
监测 page and the report read the same)::

    {"indicators": [{"id", "name", "unit", "base", "target", "actuals": [{"year", "value",
      "source"}, …], "status", "met", …}], "targets": [… the same …]}

``met`` is true, false or null (not yet judgeable). One entry is one indicator of the
plan's table (14 for the seed), so every count of indicators means the same thing: a
row that asks for two figures (知识产权质押融资登记金额、项目数 in 亿元、项) is one
indicator whose ``measures`` are its two figures, each an entry of its own with its own
values and verdict (the row id names the first, ``<row id>.m2`` the second); the
indicator's status is the less advanced of its figures' (see :func:`indicator_entry`).
A single-figure indicator is its own measure (``measures`` is empty). A text target that restates a main
indicator in the same unit (全省专利、商标质押融资金额 2500亿元 = 指标4) and has no values
of its own is judged on the indicator's (``actuals_from`` says so).
"""
from __future__ import annotations

from typing import Optional

from office.tracking.actuals import Actual, ActualsError, ActualsStore, MeasureNotFound, make_actual
from office.tracking.measures import Measure, plan_measures
from office.tracking.rules import judge, number


class Plan:
    """The measures of a corpus, looked up by id; built once per corpus."""

    def __init__(self, corpus, graph=None):
        if graph is None:
            from kb.graph import build_graph

            graph = build_graph(corpus)
        inds, targets = plan_measures(corpus, graph)
        self.corpus = corpus
        self.indicators = [m for m in inds if not m.history]
        self.history = [m for m in inds if m.history]
        self.targets = targets
        self.by_id = {m.id: m for m in self.indicators + self.targets}
        # the table rows: one indicator each, however many figures it asks for
        self.indicator_ids = list(dict.fromkeys(m.clause or m.id for m in self.indicators))
        self._places: dict[str, str] = {}

    def place(self, clause_id: str) -> str:
        if clause_id not in self._places:
            self._places[clause_id] = place(self.corpus, clause_id)
        return self._places[clause_id]

    def measure(self, measure_id: str) -> Measure:
        """The measure for an id as staff type it (``indicator:`` prefix and spaces forgiven)."""
        key = (measure_id or "").strip()
        if key.startswith("indicator:"):
            key = key[len("indicator:"):]
        m = self.by_id.get(key) or self.by_id.get(f"target:{key}")
        if m is None:
            hint = "（提示：plankb indicators --json 的行 id，如 gd-ip-14fyp:t2.r9；或 plankb targets --json 的 id）"
            old = next((h for h in self.history if h.id == key), None)
            if old is not None:
                raise ActualsError(f"{key} 是上一规划期（{old.period[0]}—{old.period[1]}年）完成情况表的行，"
                                   "其完成值已载于规划，无需录入。")
            raise MeasureNotFound(f"没有编号为 {key[:80]} 的指标或目标{hint}。")
        return m

    def actual(self, measure_id: str, year, value, **kw) -> Actual:
        """A checked value for a measure: a number for a quantitative one, in its period."""
        m = self.measure(measure_id)
        if not m.quantitative:
            raise ActualsError(f"该目标（{m.name}）是定性目标，没有数值可录入（需人工评估）。")
        return make_actual(m.id, year, value, years=m.years, **kw)


def place(corpus, clause_id: str) -> str:
    """Where the plan states it, without the plan's title: 第五章第二节专栏14, 第二章第三节表2第11行."""
    from kb.citation import locator

    c = corpus.clause(clause_id) if clause_id else None
    doc = corpus.document(c.document) if c else None
    return locator(doc, c, names=False) if c and doc else ""


def _entry(m: Measure, own: list[Actual], linked: Optional[list[Actual]], where: str = "") -> dict:
    values = own or linked or []
    verdict = judge(m.goal, {a.year: a.number for a in values})
    g = m.goal
    return {
        "id": m.id,
        "kind": m.kind,
        "document": m.document,
        "number": m.number,
        "category": m.category,
        "name": m.name,
        "row_name": m.row_name,
        "unit": m.unit,
        "base": number(g.base),
        "base_text": m.base_text,
        "target": number(g.value),
        "target_text": m.target_text,
        "comparator": g.comparator,
        "increment": g.increment,
        "annual": g.annual,
        "deadline": g.deadline,
        "period": {"start": m.period[0], "end": m.period[1]},
        "years": m.years,
        "attribute": m.attribute or None,
        "binding": g.binding,
        "clause": m.clause,
        "place": where,
        "quantitative": m.quantitative,
        "actuals": [a.to_json() for a in values],
        "actuals_from": m.linked if (not own and linked) else None,
        "status": verdict.status,
        "met": verdict.met,
        "rule": verdict.rule,
        "verdict": verdict.to_json(),
    }


# the order an indicator with several figures takes its status from: the least advanced
# figure decides (a row is 已完成 only when both its figures are; 无数据 while one is missing)
_WORST_FIRST = ("未完成", "滞后", "无数据", "待判断", "进度正常", "已完成")


def indicator_entry(figures: list[dict]) -> dict:
    """One indicator of the table from the entries of its figures: itself when it has one;
    else the row as printed (names, units, base and target joined with “、”), ``measures``
    the figures, ``actuals`` every figure's values (each with its ``measure`` id and unit),
    and a verdict that is met only when every figure is, missed when any is."""
    if len(figures) == 1:
        return {**figures[0], "measures": []}
    first = figures[0]
    verdicts = [f["verdict"] for f in figures]
    status = min((f["status"] for f in figures), key=_WORST_FIRST.index)
    mets = [f["met"] for f in figures]
    met = False if False in mets else (True if all(m is True for m in mets) else None)
    rule = "；".join(f"{f['name']}：{f['rule']}" for f in figures)
    rule = f"本指标含{len(figures)}个数值，分别判断，按进展较差者计。{rule}"
    join = "、".join
    same = {k: first[k] for k in ("comparator", "increment", "annual", "binding")
            if all(f[k] == first[k] for f in figures)}
    years = [y for y in first["years"] if all(y in f["years"] for f in figures)]
    out = {**first, **{k: None for k in ("comparator", "increment", "annual", "binding")}, **same,
           "id": first["clause"], "name": first.get("row_name") or first["name"],
           "unit": join(f["unit"] for f in figures), "base": None, "target": None,
           "base_text": join(f["base_text"] or "—" for f in figures),
           "target_text": join(f["target_text"] or "—" for f in figures),
           "years": years, "quantitative": any(f["quantitative"] for f in figures),
           "actuals": [{**a, "measure": f["id"], "unit": f["unit"]} for f in figures for a in f["actuals"]],
           "actuals_from": None, "status": status, "met": met, "rule": rule, "measures": figures}
    out["verdict"] = {"status": status, "met": met, "rule": rule, "rule_name": "figures",
                      "year": max((v["year"] for v in verdicts if v["year"] is not None), default=None),
                      "result": None, "expected": None,
                      "result_text": None if all(v["result_text"] is None for v in verdicts)
                      else join(v["result_text"] or "—" for v in verdicts),
                      "flag": next((v["flag"] for v in verdicts if v["flag"]), None)}
    return out


def group_indicators(entries: list[dict]) -> list[dict]:
    """Figure entries (one a measure) → indicator entries (one a table row), in order."""
    rows: dict[str, list[dict]] = {}
    for e in entries:
        rows.setdefault(e["clause"] or e["id"], []).append(e)
    return [indicator_entry(figs) for figs in rows.values()]


def figures(indicators: list[dict]) -> list[dict]:
    """Indicator entries → the entries values are entered for and charts are drawn of."""
    return [f for e in indicators for f in (e.get("measures") or [e])]


def find_entry(data: dict, measure_id: str) -> dict:
    """The entry of one measure (a figure or a target) in a :func:`tracking` answer."""
    return next(e for e in figures(data["indicators"]) + data["targets"] if e["id"] == measure_id)


def tracking(plan: Plan, store: ActualsStore) -> dict:
    stored = store.all()
    return {
        "indicators": group_indicators([_entry(m, stored.get(m.id, []), None, plan.place(m.clause))
                                        for m in plan.indicators]),
        "targets": [_entry(m, stored.get(m.id, []), stored.get(m.linked) if m.linked else None,
                           plan.place(m.clause)) for m in plan.targets],
    }


def history(plan: Plan) -> list[dict]:
    """The previous plan's completion table judged by the same rules (its 完成值 as the
    last year's value): the plan's own evaluation, for the report and the page."""
    from office.tracking.measures import plan_results

    out = []
    for m in plan.history:
        values = [Actual(m.id, y, f"{v:f}", "规划文本（完成情况表）") for y, v in plan_results(m).items()]
        out.append(_entry(m, values, None, plan.place(m.clause)))
    return group_indicators(out)
