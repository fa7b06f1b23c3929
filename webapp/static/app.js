/* 规划知识库: search as you type, copy citation, add to list, list editing.
   Plain JS, no library, no network access beyond this server. Pages work without it
   (search submits on enter; lists can be created and deleted with forms). */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  document.documentElement.classList.add("js");  // controls that need the script show only with it

  function api(method, url, body) {
    var opts = { method: method, headers: { "X-CSRFToken": csrf, "Accept": "application/json" }, credentials: "same-origin" };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { var e = new Error((data.error && data.error.message) || ("请求失败（" + r.status + "）")); e.status = r.status; e.data = data; throw e; }
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") n.textContent = attrs[k]; else if (k === "cls") n.className = attrs[k]; else n.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return n;
  }

  var toastTimer;
  function toast(msg, link) {
    var t = document.getElementById("toast");
    if (!t) { t = el("div", { id: "toast", cls: "toast", role: "status" }); document.body.appendChild(t); }
    t.textContent = msg;
    if (link) { t.appendChild(document.createTextNode(" ")); t.appendChild(el("a", { href: link.href, text: link.text })); }
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 5000);
  }

  /* Snippets come escaped with <mark> from the server; keep only text and <mark>. */
  function snippetNode(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    var out = document.createElement("p");
    out.className = "snippet";
    tpl.content.childNodes.forEach(function walk(node) {
      if (node.nodeType === 3) out.appendChild(document.createTextNode(node.textContent));
      else if (node.nodeName === "MARK") out.appendChild(el("mark", { text: node.textContent }));
      else out.appendChild(document.createTextNode(node.textContent || ""));
    });
    return out;
  }

  /* ---- search as you type ---- */
  var q = document.getElementById("q");
  if (q && q.dataset.api) {
    var form = document.getElementById("search-form");
    var box = document.getElementById("live-results");
    var timer, seq = 0;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(live, 250);
    });
    function live() {
      var text = q.value.trim();
      if (!text) return;
      var params = new URLSearchParams(new FormData(form));
      params.set("limit", "20");
      var mine = ++seq;
      fetch(q.dataset.api + "?" + params.toString(), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
        .then(function (res) {
          if (mine !== seq) return;  // a newer keystroke already answered
          history.replaceState(null, "", form.action + "?" + new URLSearchParams(new FormData(form)).toString());
          renderLive(text, res);
        })
        .catch(function () {});
    }
    function renderLive(text, res) {
      box.hidden = false;
      box.textContent = "";
      var landing = document.querySelector(".landing"); if (landing) landing.hidden = true;
      if (!res.ok) { box.appendChild(el("p", { cls: "notice", text: (res.data.error && res.data.error.message) || "检索出错" })); return; }
      var d = res.data;
      box.appendChild(el("p", { cls: "count live-status", id: "result-count" }, ["“" + text + "”共找到 ", el("strong", { text: String(d.total) }), " 条结果" + (d.fallback ? "（放宽为“任一词”匹配）" : "") + "，按回车查看筛选与全部结果"]));
      if (d.message) box.appendChild(el("p", { cls: "notice", text: d.message }));
      var ol = el("ol", { cls: "hits" });
      (d.hits || []).forEach(function (h) {
        var bc = h.breadcrumb || [];
        var crumbs = typeof bc === "string" ? el("nav", { cls: "crumbs", text: bc }) : el("nav", { cls: "crumbs" }, bc.map(function (b) { return el("span", { text: b }); }));
        var title = el("a", { cls: "hit-title", href: "/clauses/" + encodeURI(h.id), text: h.title || h.id });
        var meta = el("div", { cls: "hit-meta" }, [el("code", { text: h.id }), el("button", { type: "button", cls: "btn add-to-list", "data-clauses": h.id, text: "加入清单" })]);
        var parts = [crumbs, title, snippetNode(h.snippet)];
        // the same short "why this result" line as the result page (matched words, or 语义相近)
        if (h.why) parts.push(el("p", { cls: "why muted", text: h.why }));
        parts.push(meta);
        ol.appendChild(el("li", { cls: "hit" }, parts));
      });
      box.appendChild(ol);
      if (!d.hits || !d.hits.length) box.appendChild(el("p", { cls: "noresults", text: "没有找到与“" + text + "”匹配的条文。按回车查看建议。" }));
    }
  }

  /* ---- copy citation ---- */
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest(".copy");
    if (!b) return;
    var input = document.querySelector(b.dataset.copy);
    if (!input) return;
    function done() { toast("已复制引用：" + input.value); }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value).then(done, fallback);
    else fallback();
    function fallback() { input.select(); try { document.execCommand("copy"); done(); } catch (e) { toast("请按 Ctrl+C 复制"); } }
  });

  document.querySelectorAll("select.autosubmit").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) { if (!confirm(f.dataset.confirm)) ev.preventDefault(); });
  });

  /* ---- add to list ---- */
  var dialog;
  function openAddDialog(ids) {
    if (!dialog) {
      dialog = el("div", { cls: "dialog", id: "add-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "add-title" });
      dialog.innerHTML =
        '<div class="dialog-box"><h2 id="add-title">加入清单</h2><p class="muted add-count"></p>' +
        '<div class="row"><label class="grow">选择已有清单<select id="add-list"></select></label></div>' +
        '<div class="row"><label class="grow">或新建清单<input type="text" id="add-new" maxlength="64" placeholder="新清单名称"></label></div>' +
        '<p class="conflict add-error" hidden></p>' +
        '<div class="row end"><button type="button" class="btn add-cancel">取消</button><button type="button" class="btn primary add-ok">加入</button></div></div>';
      document.body.appendChild(dialog);
      dialog.querySelector(".add-cancel").addEventListener("click", function () { dialog.hidden = true; });
      dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.hidden = true; });
      document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && dialog) dialog.hidden = true; });
      dialog.querySelector(".add-ok").addEventListener("click", confirmAdd);
    }
    dialog.dataset.ids = ids.join(" ");
    dialog.querySelector(".add-count").textContent = "将加入 " + ids.length + " 条条文。";
    dialog.querySelector(".add-error").hidden = true;
    dialog.querySelector("#add-new").value = "";
    var sel = dialog.querySelector("#add-list");
    sel.textContent = "";
    api("GET", "/api/lists").then(function (d) {
      if (!d.lists.length) sel.appendChild(el("option", { value: "", text: "（还没有清单，请在下方新建）" }));
      d.lists.forEach(function (l) { sel.appendChild(el("option", { value: String(l.id), text: l.display_title + "（" + l.item_count + " 条）" })); });
    });
    dialog.hidden = false;
    dialog.querySelector("#add-list").focus();
  }
  function confirmAdd() {
    var ids = dialog.dataset.ids.split(" ").filter(Boolean);
    var name = dialog.querySelector("#add-new").value.trim();
    var listId = dialog.querySelector("#add-list").value;
    var err = dialog.querySelector(".add-error");
    var step = name ? api("POST", "/api/lists", { name: name }).then(function (l) { return l.id; }) : Promise.resolve(listId);
    step.then(function (id) {
      if (!id) throw new Error("请选择一个清单，或输入新清单的名称。");
      return api("POST", "/api/lists/" + id + "/items", { clauses: ids });
    }).then(function (d) {
      dialog.hidden = true;
      var msg = "已加入“" + d.list.display_title + "”：新增 " + d.added.length + " 条" + (d.skipped ? "，" + d.skipped + " 条已在清单中" : "") + "。";
      toast(msg, { href: "/lists/" + d.list.id, text: "打开清单" });
    }).catch(function (e) { err.textContent = e.message; err.hidden = false; });
  }
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest(".add-to-list");
    if (!b) return;
    var ids = (b.dataset.clauses || "").split(" ").filter(Boolean);
    // several clauses (本页全部, 本章全部): the button's own form opens the chooser page,
    // whose tick-boxes leave review paragraphs and table notes out by default
    if (ids.length !== 1) return;
    ev.preventDefault();  // one clause: the quick dialog instead of the plain form
    openAddDialog(ids);
  });

  /* ---- list editing ----
     Each item is also a plain form (save / move / remove) for browsers without JS;
     here the same buttons work in place, and a field saves when it loses focus. */
  var listEl = document.getElementById("list-items");
  if (listEl) {
    var base = listEl.dataset.api;
    var FIELDS = ["lead_unit", "support_units", "deadline", "note"];
    function renumber() {
      var items = listEl.querySelectorAll(".list-item");
      items.forEach(function (li, i) {
        li.querySelector(".pos").textContent = String(i + 1);
        var first = i === 0, last = i === items.length - 1;
        li.querySelectorAll(".move-up, .move-top").forEach(function (b) { b.disabled = first; });
        li.querySelectorAll(".move-down, .move-bottom").forEach(function (b) { b.disabled = last; });
      });
      var c = document.getElementById("item-count"); if (c) c.textContent = String(items.length);
    }
    function status(li, text, cls) { var s = li.querySelector(".status"); s.textContent = text; s.className = "status " + (cls || ""); }
    function field(li, name) { return li.querySelector('[name="' + name + '"]'); }
    function changed(li) {
      var out = {};
      FIELDS.forEach(function (f) { var i = field(li, f); if (i && i.value !== i.dataset.saved) out[f] = i.value; });
      return out;
    }
    function setVersion(li, v) { li.dataset.version = String(v); var h = field(li, "version"); if (h) h.value = String(v); }
    function save(li, values) {
      if (!Object.keys(values).length) { status(li, "没有需要保存的修改", "saved"); return Promise.resolve(); }
      var body = { version: Number(li.dataset.version) };
      Object.keys(values).forEach(function (k) { body[k] = values[k]; });
      status(li, "保存中……");
      return api("PATCH", base + "/items/" + li.dataset.item, body).then(function (item) {
        setVersion(li, item.version);
        FIELDS.forEach(function (f) { var i = field(li, f); if (i && f in values) { i.dataset.saved = item[f]; } });
        status(li, "已保存", "saved");
      }).catch(function (e) {
        if (e.status === 409 && e.data && e.data.current) {
          var cur = e.data.current, which = e.data.fields || Object.keys(values);
          var theirs = which.map(function (f) { return "“" + (cur[f] || "（空）") + "”"; }).join("、");
          status(li, e.message + " 对方填写的是：" + theirs + "。", "conflict");
          var mineBtn = el("button", { type: "button", cls: "btn small", text: "仍用我的" });
          var theirsBtn = el("button", { type: "button", cls: "btn small", text: "用对方的" });
          li.querySelector(".status").append(" ", mineBtn, " ", theirsBtn);
          mineBtn.onclick = function () { setVersion(li, cur.version); save(li, values); };
          theirsBtn.onclick = function () {
            setVersion(li, cur.version);
            FIELDS.forEach(function (f) { var i = field(li, f); i.value = cur[f]; i.dataset.saved = cur[f]; });
            status(li, "已采用对方的内容", "saved");
          };
        } else status(li, e.message, "conflict");
      });
    }
    function saveOrder(li) {
      var order = Array.prototype.map.call(listEl.children, function (x) { return Number(x.dataset.item); });
      api("PUT", base + "/order", { items: order }).then(function (d) {
        listEl.dataset.version = String(d.list.version);
        status(li, "顺序已保存", "saved");
      }).catch(function (e) { status(li, e.message, "conflict"); });
    }
    listEl.addEventListener("change", function (ev) {
      var input = ev.target;
      if (FIELDS.indexOf(input.name) < 0) return;
      var li = input.closest(".list-item");
      if (input.value !== input.dataset.saved) { var v = {}; v[input.name] = input.value; save(li, v); }
    });
    listEl.addEventListener("submit", function (ev) {  // Enter in a field, or 保存
      if (ev.target.closest(".item-tracking")) return;  // 完成状态 and 进展: plain form posts
      ev.preventDefault();
      var li = ev.target.closest(".list-item");
      save(li, changed(li));
    });
    listEl.addEventListener("click", function (ev) {
      var t = ev.target.closest("button");
      var li = t && t.closest(".list-item");
      if (!li) return;
      var cls = t.classList;
      if (cls.contains("use-suggestion")) {
        var input = field(li, t.dataset.field);
        input.value = t.dataset.value;
        var v = {}; v[t.dataset.field] = t.dataset.value; save(li, v);
      } else if (cls.contains("save-item")) {
        ev.preventDefault(); save(li, changed(li));
      } else if (cls.contains("remove-item")) {
        ev.preventDefault();
        api("DELETE", base + "/items/" + li.dataset.item).then(function () { li.remove(); renumber(); toast("已移出清单"); })
          .catch(function (e) { status(li, e.message, "conflict"); });
      } else if (cls.contains("move-up") || cls.contains("move-down") || cls.contains("move-top") || cls.contains("move-bottom")) {
        ev.preventDefault();
        if (cls.contains("move-up") && li.previousElementSibling) listEl.insertBefore(li, li.previousElementSibling);
        else if (cls.contains("move-down") && li.nextElementSibling) listEl.insertBefore(li.nextElementSibling, li);
        else if (cls.contains("move-top")) listEl.insertBefore(li, listEl.firstElementChild);
        else if (cls.contains("move-bottom")) listEl.appendChild(li);
        else return;
        renumber();
        // keep the keyboard on this item: a button that just became disabled loses focus
        var keep = t.disabled ? li.querySelector(".move button:not(:disabled), .item-tools button:not(:disabled)") : t;
        if (keep) keep.focus();
        saveOrder(li);
      }
    });
    /* drag to reorder: with the mouse (HTML drag and drop on the ⠿ handle), or with the
       keyboard: Space on the handle picks the item up, ↑/↓ move it, Space drops it and
       saves the order, Escape puts it back. ↑/↓ buttons stay for one step at a time. */
    var dragged = null, grabbed = null, grabbedFrom = null;
    function announce(li, text) { status(li, text, "saved"); }
    listEl.addEventListener("dragstart", function (ev) {
      var h = ev.target.closest && ev.target.closest(".drag-handle");
      if (!h) return;
      dragged = h.closest(".list-item");
      dragged.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", dragged.dataset.item);
      ev.dataTransfer.setDragImage(dragged, 20, 20);
    });
    listEl.addEventListener("dragover", function (ev) {
      if (!dragged) return;
      var over = ev.target.closest(".list-item");
      if (!over || over === dragged) return;
      ev.preventDefault();
      var box = over.getBoundingClientRect();
      listEl.insertBefore(dragged, ev.clientY < box.top + box.height / 2 ? over : over.nextElementSibling);
    });
    listEl.addEventListener("drop", function (ev) { if (dragged) ev.preventDefault(); });
    listEl.addEventListener("dragend", function () {
      if (!dragged) return;
      var li = dragged;
      dragged = null;
      li.classList.remove("dragging");
      renumber();
      saveOrder(li);
    });
    function drop(li, keep) {
      li.classList.remove("grabbed");
      li.querySelector(".drag-handle").setAttribute("aria-pressed", "false");
      grabbed = null;
      if (!keep) {
        listEl.insertBefore(li, grabbedFrom);
        renumber();
        announce(li, "已取消移动");
        return;
      }
      renumber();
      saveOrder(li);
    }
    listEl.addEventListener("keydown", function (ev) {
      var h = ev.target.closest && ev.target.closest(".drag-handle");
      if (!h) return;
      var li = h.closest(".list-item");
      if (ev.key === " " || ev.key === "Enter") {
        ev.preventDefault();
        if (grabbed === li) { drop(li, true); return; }
        if (grabbed) drop(grabbed, false);
        grabbed = li; grabbedFrom = li.nextElementSibling;
        li.classList.add("grabbed");
        h.setAttribute("aria-pressed", "true");
        announce(li, "已拿起第 " + li.querySelector(".pos").textContent + " 条：按↑↓移动，空格放下，Esc 取消");
      } else if (grabbed === li && (ev.key === "ArrowUp" || ev.key === "ArrowDown")) {
        ev.preventDefault();
        if (ev.key === "ArrowUp" && li.previousElementSibling) listEl.insertBefore(li, li.previousElementSibling);
        else if (ev.key === "ArrowDown" && li.nextElementSibling) listEl.insertBefore(li.nextElementSibling, li);
        renumber();
        h.focus();
        announce(li, "移到第 " + li.querySelector(".pos").textContent + " 位");
      } else if (grabbed === li && ev.key === "Escape") {
        ev.preventDefault();
        drop(li, false);
        h.focus();
      }
    });
    var all = document.querySelector(".select-all");
    if (all) all.addEventListener("change", function () {
      listEl.querySelectorAll("input.sel").forEach(function (c) { c.checked = all.checked; });
    });

    /* typed but not yet saved (no blur yet): ask before the page is left */
    window.addEventListener("beforeunload", function (ev) {
      var dirty = Array.prototype.some.call(listEl.querySelectorAll(".list-item"), function (li) { return Object.keys(changed(li)).length > 0; });
      if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
    });
  }
})();
