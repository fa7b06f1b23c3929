"""Two baselines built on the same clauses and the same jieba tokens as our index.

* SQLite FTS5: jieba tokens joined by spaces, ``unicode61`` tokenizer, bm25() with
  the same column weights as our BM25F (title, body, heading); AND of the query
  words, then OR when AND finds nothing — the same contract as ours.
* rank_bm25: BM25Okapi over each clause's token list (title + body + heading).

They share our tokenizer and stop words so that the comparison measures ranking and
matching, not segmentation.
"""
from __future__ import annotations

import sqlite3

from index.schema import HEADING_BOOST, TITLE_BOOST, heading_text, searchable_text


def _fts_quote(tok: str) -> str:
    return '"' + tok.replace('"', '""') + '"'


class Fts5Peer:
    name = "SQLite FTS5"

    def __init__(self, corpus, tokens):
        """``tokens(text, drop_stop)`` is our tokenizer (SearchIndex.tokens)."""
        self.tokens = tokens
        self.con = sqlite3.connect(":memory:", check_same_thread=False)
        self.con.execute("CREATE VIRTUAL TABLE clauses USING fts5(id UNINDEXED, title, body, heading,"
                         " tokenize='unicode61')")
        rows = []
        for doc in corpus.documents:
            for c in doc.clauses:
                rows.append((c.id,
                             " ".join(tokens(c.lead or "", False)),
                             " ".join(tokens(searchable_text(c), False)),
                             " ".join(tokens(heading_text(c, doc), False))))
        self.con.executemany("INSERT INTO clauses VALUES (?,?,?,?)", rows)
        self.con.commit()

    def search(self, q: str, limit: int = 10) -> list[str]:
        toks = self.tokens(q, True)
        if not toks:
            return []
        for op in (" AND ", " OR "):
            expr = op.join(_fts_quote(t) for t in toks)
            rows = self.con.execute(
                f"SELECT id FROM clauses WHERE clauses MATCH ? "
                f"ORDER BY bm25(clauses, 0, {TITLE_BOOST}, 1.0, {HEADING_BOOST}) LIMIT ?",
                (expr, limit)).fetchall()
            if rows:
                return [r[0] for r in rows]
        return []


class RankBm25Peer:
    name = "jieba + BM25 (rank_bm25)"

    def __init__(self, corpus, tokens):
        from rank_bm25 import BM25Okapi

        self.tokens = tokens
        self.ids = []
        docs = []
        for doc in corpus.documents:
            for c in doc.clauses:
                self.ids.append(c.id)
                docs.append(tokens(c.lead or "", False) + tokens(searchable_text(c), False)
                            + tokens(heading_text(c, doc), False))
        self.bm25 = BM25Okapi(docs)

    def search(self, q: str, limit: int = 10) -> list[str]:
        toks = self.tokens(q, True)
        if not toks:
            return []
        scores = self.bm25.get_scores(toks)
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        return [self.ids[i] for i in order[:limit] if scores[i] > 0]
