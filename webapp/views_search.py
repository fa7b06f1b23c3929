"""Search: one box, results as you type (JS fetches /api/search) or on enter (this page).

/api/search takes the parameters of ``plankb search`` and returns the library's JSON
unchanged, so scripts can switch between the CLI and the API freely.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from flask import abort

from index import IndexBuildError, QueryError
from kb.model import KINDS
from webapp.errors import BadParam
from webapp.facets import FILTERS, build_facets
from webapp.params import bool_param, choice_param, int_param, text_param
from webapp.resources import get_corpus, get_index
from webapp.templating import url_with

bp = Blueprint("search", __name__)

MAX_LIMIT = 100
# A pasted paragraph or two: the library finds the clause it came from (index.query).
MAX_QUERY = 5000


def search_params(page_mode: bool = False) -> dict:
    limit = int_param("limit", 20, 1, MAX_LIMIT)
    if page_mode:
        page = int_param("page", 1, 1, 1000)
        offset = (page - 1) * limit
    else:
        offset = int_param("offset", 0, 0, 100000)
    return {
        "q": text_param("q", "", max_len=MAX_QUERY),
        "limit": limit,
        "offset": offset,
        "document": text_param("document", max_len=100),
        "chapter": int_param("chapter", None, 0, 999),
        "section": int_param("section", None, 0, 999),
        "box": text_param("box", max_len=20),
        "kind": choice_param("kind", KINDS),
        "year": int_param("year", None, 1900, 2200),
        "raw": bool_param("raw"),
    }


def run_search(params: dict) -> dict:
    if params["document"] and get_corpus().document(params["document"]) is None:
        raise BadParam(f"参数 document 指定的规划“{params['document']}”不存在。")
    idx = get_index()
    kwargs = {k: v for k, v in params.items() if k != "q" and v is not None}
    if not kwargs.get("raw"):
        kwargs.pop("raw", None)  # the library's default; keeps test doubles simple
    try:
        return idx.search(params["q"], **kwargs)
    except QueryError as e:
        raise BadParam(str(e) if _is_filter_error(params, e) else f"检索式有误：{e}") from None
    except IndexBuildError as e:  # the index was deleted or damaged while serving
        abort(503, description=str(e))


def _is_filter_error(params: dict, e: QueryError) -> bool:
    """The library refuses a chapter, section or box the plans lack: that is no query error."""
    return any(params.get(k) is not None for k in ("chapter", "section", "box")) and "没有" in str(e)


def _has_filter(params: dict) -> bool:
    return any(params.get(k) is not None for k in FILTERS)


@bp.get("/api/search")
def search_api():
    params = search_params()
    if not params["q"] and not _has_filter(params):
        raise BadParam("缺少参数 q（检索词），例如 /api/search?q=商业秘密；"
                       "只按条件列出时给出筛选参数，例如 /api/search?box=14。")
    return jsonify(run_search(params))


@bp.get("/")
@bp.get("/search")
def search_page():
    params = search_params(page_mode=True)
    result = None
    facets = []
    if params["q"] or _has_filter(params):  # filters alone list what they select (专栏14)
        get_index()  # 503 with a reason if the search library is not there
        result = run_search(params)
        facets = build_facets(result.get("facets") or {}, url_with, result.get("total"))
    corpus = get_corpus()
    return render_template(
        "search.html", params=params, result=result, facets=facets,
        page=(params["offset"] // params["limit"]) + 1,
        active_filters=[(k, params[k]) for k in FILTERS if params.get(k) is not None],
        documents=corpus.documents,
    )
