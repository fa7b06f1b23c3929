"""Writing the plan graph for Gephi and other tools (graphml, gexf, node-link JSON).

Those formats hold only scalars, so lists and dicts (a clause's breadcrumb, an edge's
terms) are written as JSON strings, and None attributes are left out.
"""
from __future__ import annotations

import json
from pathlib import Path

from kb.atomic import atomic_write_with

# the CLI reads FORMATS when it starts; networkx is imported only to write
FORMATS = ("graphml", "gexf", "json")


def write(g, path, format: str = "graphml") -> Path:
    """Atomic: a temp file beside ``path``, then replace, so a reader never sees half a file."""
    import networkx as nx

    if format not in FORMATS:
        raise ValueError(f"不支持的格式：{format}（可选：{'、'.join(FORMATS)}）")
    path = Path(path)
    flat = nx.MultiDiGraph()
    for n, a in g.nodes(data=True):
        flat.add_node(n, **{k: _flat(v) for k, v in a.items() if v is not None})
    for u, v, k, a in g.edges(keys=True, data=True):
        flat.add_edge(u, v, key=k, **{kk: _flat(vv) for kk, vv in a.items() if vv is not None})
    def write(tmp: str) -> None:
        if format == "graphml":
            nx.write_graphml(flat, tmp)
        elif format == "gexf":
            nx.write_gexf(flat, tmp)
        else:
            data = nx.node_link_data(flat, edges="links")
            Path(tmp).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    atomic_write_with(path, write)
    return path


def _flat(v):
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (bool, int, float, str)):
        return v
    return str(v)
