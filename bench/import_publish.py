"""导入规划 benchmark: what an administrator waits for on the import page.

Run: ``.venv/bin/python bench/import_publish.py [FILE ...]`` (default: the sample PDFs in
../shared/corpus-samples/originals/). For each file, on a throwaway copy of the corpus and
a throwaway instance folder: the upload (HTTP POST through the app: read, ingest, review
data), one correction (ingest again), and publish (index built for the corpus-to-be, files
renamed in), plus the longest a search waited while the index was being rebuilt (the old
index serves meanwhile, so this should stay near a normal search). Numbers, no assertions.
"""
from __future__ import annotations

import io
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = Path("/work/shared/corpus-samples/originals")


def run(path: Path) -> dict:
    from office.audit import Actor, acting_as
    from office.plans import wait_for_publishing
    from webapp import create_app
    from webapp.auth import users
    from webapp.resources import close_all

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        shutil.copytree(ROOT / "corpus", tmp / "corpus")
        app = create_app({"INSTANCE_PATH": tmp / "inst", "CORPUS_DIR": str(tmp / "corpus")})
        with app.app_context(), acting_as(Actor("bench", "admin")):
            users().add("bench", role="admin", password="bench-mima-1")
        c = app.test_client()

        def csrf(url):
            return re.search(r'name="csrf-token" content="([^"]+)"', c.get(url).get_data(as_text=True)).group(1)

        c.post("/login", data={"username": "bench", "password": "bench-mima-1", "csrf_token": csrf("/login")})
        token = csrf("/admin/import")
        c.get("/api/search?q=保护")  # the seed's index, built before the clock starts
        t = time.perf_counter()
        r = c.post("/admin/import", data={"csrf_token": token, "doc_id": "bench-plan",
                                          "file": (io.BytesIO(path.read_bytes()), path.name)},
                   content_type="multipart/form-data")
        upload = time.perf_counter() - t
        if r.status_code != 303:
            return {"file": path.name, "error": f"{r.status_code}"}
        staged = r.headers["Location"].rsplit("/", 1)[1]
        data = c.get(f"/api/admin/import/{staged}").get_json()
        t = time.perf_counter()
        c.post(f"/admin/import/{staged}/fix", data={"csrf_token": token, "line": "1", "what": "title",
                                                      "title": data["title"]})
        fix = time.perf_counter() - t
        searches, stop = [], threading.Event()

        def search_loop():
            s = app.test_client()
            while not stop.is_set():
                t0 = time.perf_counter()
                s.get("/api/search?q=知识产权")
                searches.append(time.perf_counter() - t0)

        t = time.perf_counter()
        c.post(f"/admin/import/{staged}/publish", data={"csrf_token": token})
        th = threading.Thread(target=search_loop)
        th.start()
        wait_for_publishing()
        publish = time.perf_counter() - t
        stop.set()
        th.join()
        status = c.get(f"/api/admin/import/{staged}").get_json()["status"]
        t = time.perf_counter()
        c.get("/api/search?q=知识产权")
        first = time.perf_counter() - t
        close_all(app)
        return {"file": path.name, "lines": len(data["source"]), "decisions": len(data["decisions"]),
                "upload": upload, "fix": fix, "publish": publish, "status": status,
                "searches": len(searches), "slowest": max(searches or [0]), "first_after": first}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    files = [Path(a) for a in argv] or sorted(SAMPLES.glob("*.pdf"))
    print(f"{'文件':<34}{'行':>6}{'存疑':>5}{'上传解析s':>10}{'更正s':>8}{'发布s':>8}"
          f"{'重建中检索次数':>10}{'最慢检索s':>9}{'发布后首检s':>10}")
    for f in files:
        r = run(f)
        if "error" in r:
            print(f"{r['file']:<34} 上传失败 {r['error']}")
            continue
        print(f"{r['file']:<34}{r['lines']:>6}{r['decisions']:>5}{r['upload']:>10.2f}{r['fix']:>8.2f}"
              f"{r['publish']:>8.2f}{r['searches']:>10}{r['slowest']:>9.3f}{r['first_after']:>10.3f}  {r['status']}")


if __name__ == "__main__":
    main(sys.argv[1:])
