"""Facet counts the slow way, record by record: what the search's counts must equal."""
from collections import Counter

from index.facets import FILTERS, RESETS, record_matches
from kb.model import KIND_GROUPS


def brute_counts(records, filters) -> dict:
    """{filter: Counter of its values} over ``records``, each filter's own value (and those
    it resets) left out, as a facet list shows them."""
    out = {}
    for name in FILTERS:
        c = Counter()
        for r in records:
            if not record_matches(r, filters, skip={name} | RESETS.get(name, set())):
                continue
            if name == "year":
                c.update(r["years"])
            elif name == "section":
                if r["section"] is not None:
                    c[(r["chapter"], r["section"])] += 1
            elif name == "kind":
                c[r["kind"]] += 1
                c.update(g for g, kinds in KIND_GROUPS.items() if r["kind"] in kinds and g != r["kind"])
            elif r[name] is not None:
                c[r[name]] += 1
        out[name] = c
    return out
