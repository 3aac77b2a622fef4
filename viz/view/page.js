// LinguisticLens view. Reads the layout from #lens-data and the options from
// #lens-config; every piece of user text goes into the DOM through
// textContent or SVG text nodes, never as markup.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var CHAR_W = 7, CHAR_H = 12, MAX_W = 5000, BOX_H = 16, GAP = 4, PAD = 3;
  var MAX_ARC = 30, COLLAPSED_W = 3 * CHAR_W, COLLAPSED_H = 3;
  var UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "CONJ", "DET", "INTJ", "NOUN", "NUM", "PART",
    "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X", "SPACE"];
  // d3 schemeSet3 followed by schemePastel1.
  var SET3 = ["#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
    "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f"];
  var PASTEL1 = ["#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc", "#e5d8bd", "#fddaec", "#f2f2f2"];
  var POS_COLORS = SET3.concat(PASTEL1);
  // d3 schemeSet1.
  var SET1 = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#ffff33", "#a65628", "#f781bf", "#999999"];
  var LENS_NAMES = { token: "Token", pos: "POS", dep: "DEP", embedding: "Semantic (embedding)" };

  // An ordinal scale: a fixed domain first, then new values in order of first use.
  function ordinal(domain, range) {
    var m = new Map();
    domain.forEach(function (d) { m.set(d, range[m.size % range.length]); });
    return function (v) {
      if (!m.has(v)) { m.set(v, range[m.size % range.length]); }
      return m.get(v);
    };
  }
  var posColor = ordinal(UPOS, POS_COLORS);
  var depColor = ordinal([], SET1);

  var cfg = JSON.parse(document.getElementById("lens-config").textContent);
  var layout = JSON.parse(document.getElementById("lens-data").textContent);
  var rows = layout.data || [];
  var lenses = Object.keys(layout.clusters || {});
  var textField = cfg.textField;

  var state = { lens: "", k: 0, colorPos: true, colorDep: false, collapse: false };

  function ksOf(lens) {
    return Object.keys(layout.clusters[lens] || {}).map(Number).filter(function (k) { return isFinite(k); })
      .sort(function (a, b) { return a - b; });
  }
  function nearestK(lens, k) {
    var ks = ksOf(lens);
    if (ks.length === 0) { return 0; }
    var best = ks[0];
    ks.forEach(function (x) { if (Math.abs(x - k) < Math.abs(best - k)) { best = x; } });
    return best;
  }
  function defaultK(lens) {
    var ks = ksOf(lens);
    return ks.length === 0 ? 0 : ks[Math.min(4, ks.length - 1)];
  }

  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var lens = p.get("lens");
    if (lens === "semantic") { lens = "embedding"; }
    state.lens = lenses.indexOf(lens) >= 0 ? lens :
      (lenses.indexOf(cfg.lens) >= 0 ? cfg.lens : (lenses.indexOf("pos") >= 0 ? "pos" : (lenses[0] || "")));
    var k = Number(p.get("k"));
    if (!(k > 0)) { k = cfg.k > 0 ? cfg.k : defaultK(state.lens); }
    state.k = nearestK(state.lens, k);
    if (p.has("collapse")) { state.collapse = p.get("collapse") === "1"; }
    if (p.has("dep")) { state.colorDep = p.get("dep") === "1"; }
    if (p.has("pos")) { state.colorPos = p.get("pos") !== "0"; }
  }
  function writeHash() {
    var h = "#lens=" + encodeURIComponent(state.lens) + "&k=" + state.k +
      (state.collapse ? "&collapse=1" : "") + (state.colorDep ? "&dep=1" : "") + (state.colorPos ? "" : "&pos=0");
    if (location.hash !== h) { history.replaceState(null, "", h); }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    return e;
  }
  function isSeed(row) {
    var t = String(row["all tags"] || "");
    return t.indexOf("User") >= 0 || t.indexOf("Uploaded") >= 0;
  }
  function textOf(row) {
    var v = row[textField];
    return v === undefined || v === null ? "" : String(v);
  }
  function parseOf(row) {
    return Array.isArray(row.parse_data) ? row.parse_data : [];
  }

  // Highlighting: token <g> elements indexed by their (POS, DEP) and token keys.
  var index = new Map();
  var highlighted = [];
  var clearTimer = null;
  function addIndex(key, g) {
    if (!index.has(key)) { index.set(key, []); }
    index.get(key).push(g);
  }
  function highlight(keys) {
    if (clearTimer !== null) { clearTimeout(clearTimer); clearTimer = null; }
    clearHighlight();
    keys.forEach(function (key) {
      (index.get(key) || []).forEach(function (g) { g.classList.add("hl"); highlighted.push(g); });
    });
    document.getElementById("lens-columns").setAttribute("data-highlighted", String(highlighted.length));
  }
  function clearHighlight() {
    highlighted.forEach(function (g) { g.classList.remove("hl"); });
    highlighted = [];
    document.getElementById("lens-columns").setAttribute("data-highlighted", "0");
  }
  function clearSoon() {
    if (clearTimer !== null) { clearTimeout(clearTimer); }
    clearTimer = setTimeout(function () { clearTimer = null; clearHighlight(); }, 1000);
  }
  function tokenKeys(t) {
    var keys = ["pd\u0000" + t.pos + "\u0000" + t.dep];
    if (state.lens === "token") { keys = ["tpd\u0000" + t.token + "\u0000" + t.pos + "\u0000" + t.dep]; }
    return keys;
  }

  // drawRow returns the SVG for one example.
  function drawRow(row, tokColor, collapsed) {
    var toks = parseOf(row);
    var svg = svgEl("svg", {});
    var xs = [], ws = [], x = 0;
    toks.forEach(function (t) {
      var w = collapsed ? COLLAPSED_W : String(t.token).length * CHAR_W + 2 * PAD;
      if (x + w > MAX_W) { w = Math.max(0, MAX_W - x); }
      xs.push(x); ws.push(w);
      x += w + (collapsed ? 1 : GAP);
    });
    var width = Math.max(1, Math.min(MAX_W, x));
    if (toks.length === 0) {
      // No parse: show the raw text.
      var tx = svgEl("text", { x: 0, y: CHAR_H });
      tx.textContent = textOf(row);
      svg.appendChild(tx);
      svg.setAttribute("width", Math.min(MAX_W, textOf(row).length * CHAR_W));
      svg.setAttribute("height", BOX_H);
      return svg;
    }
    if (collapsed) {
      svg.setAttribute("width", width);
      svg.setAttribute("height", COLLAPSED_H);
    }
    var arcH = 0;
    if (!collapsed) {
      toks.forEach(function (t, i) {
        var h = Number(t.headTokenIdx);
        if (h >= 0 && h < toks.length && h !== i) {
          arcH = Math.max(arcH, Math.min(MAX_ARC, Math.abs((xs[h] + ws[h] / 2) - (xs[i] + ws[i] / 2)) / 2));
        }
      });
      arcH += 5;
      svg.setAttribute("width", width);
      svg.setAttribute("height", arcH + BOX_H + 1);
      var arcs = svgEl("g", { "class": "lens-arcs" });
      toks.forEach(function (t, i) {
        var h = Number(t.headTokenIdx);
        var root = !(h >= 0 && h < toks.length) || h === i || t.dep === "ROOT";
        var cx = xs[i] + ws[i] / 2;
        if (!root) {
          var hx = xs[h] + ws[h] / 2;
          var ah = Math.min(MAX_ARC, Math.abs(hx - cx) / 2);
          var c = state.colorDep ? depColor(t.dep) : "#ddd";
          // A quadratic Bézier peaks at half its control point's offset.
          arcs.appendChild(svgEl("path", { "class": "lens-arc", stroke: c,
            d: "M" + cx + "," + arcH + " Q" + ((cx + hx) / 2) + "," + (arcH - 2 * ah) + " " + hx + "," + arcH }));
          arcs.appendChild(svgEl("circle", { cx: cx, cy: arcH, r: 4, fill: c }));
        }
      });
      svg.appendChild(arcs);
    }
    var y0 = collapsed ? 0 : arcH;
    toks.forEach(function (t, i) {
      var g = svgEl("g", { "class": "lens-tok", "data-pos": String(t.pos), "data-dep": String(t.dep) });
      var rect = svgEl("rect", { x: xs[i], y: y0, width: ws[i], height: collapsed ? COLLAPSED_H : BOX_H,
        fill: tokColor(t) });
      var title = svgEl("title");
      title.textContent = t.token + " · " + t.pos + " · " + t.dep;
      rect.appendChild(title);
      g.appendChild(rect);
      if (!collapsed) {
        var tx = svgEl("text", { x: xs[i] + PAD, y: y0 + CHAR_H });
        tx.textContent = String(t.token);
        g.appendChild(tx);
      }
      tokenKeys(t).forEach(function (k) { addIndex(k, g); });
      addIndex("t\u0000" + t.token + "\u0000" + t.pos, g);
      addIndex("p\u0000" + t.pos, g);
      g.addEventListener("mouseenter", function () { if (!state.collapse) { highlight(tokenKeys(t)); } });
      g.addEventListener("mouseleave", clearSoon);
      svg.appendChild(g);
    });
    return svg;
  }

  // patternChips renders a summary pattern: "t:TEXT#pos:POS" items show the
  // token text, "pos:POS" items the POS name, both coloured by POS.
  function patternChips(head, seq) {
    var box = el("div", "lens-pattern");
    if (!seq || !Array.isArray(seq.tokens) || seq.tokens.length === 0) {
      box.appendChild(el("span", "lens-times", "(no frequent pattern)"));
      head.appendChild(box);
      return;
    }
    seq.tokens.forEach(function (item) {
      var fields = {};
      String(item).split("#").forEach(function (part) {
        var c = part.indexOf(":");
        if (c > 0) { fields[part.slice(0, c)] = part.slice(c + 1); }
      });
      var text = fields.t !== undefined ? fields.t : (fields.pos !== undefined ? fields.pos : String(item));
      var chip = el("span", "lens-chip", text);
      if (fields.pos !== undefined) { chip.style.background = posColor(fields.pos); }
      if (fields.t === undefined) { chip.style.fontStyle = "italic"; }
      var key = fields.t !== undefined ? "t\u0000" + fields.t + "\u0000" + fields.pos : "p\u0000" + fields.pos;
      chip.addEventListener("mouseenter", function () { highlight([key]); });
      chip.addEventListener("mouseleave", clearSoon);
      box.appendChild(chip);
    });
    box.appendChild(el("span", "lens-times", " (" + seq.count + " times)"));
    head.appendChild(box);
  }

  function render() {
    writeHash();
    index = new Map();
    highlighted = [];
    var cols = document.getElementById("lens-columns");
    while (cols.firstChild) { cols.removeChild(cols.firstChild); }
    var lens = state.lens, k = String(state.k);
    document.getElementById("lens-select").value = lens;
    document.getElementById("lens-k").textContent = state.k + " clusters";
    document.getElementById("lens-collapse").checked = state.collapse;
    document.getElementById("lens-colordep").checked = state.colorDep;
    document.getElementById("lens-colorpos").checked = state.colorPos;
    var order = rows.slice().sort(function (a, b) {
      return ((a.order_index || {})[lens] || 0) - ((b.order_index || {})[lens] || 0);
    });
    var groups = new Map();
    order.forEach(function (row) {
      var cid = String((((row.cluster_ids || {})[lens]) || {})[k]);
      if (!groups.has(cid)) { groups.set(cid, []); }
      groups.get(cid).push(row);
    });
    var summaries = ((layout.clusters[lens] || {})[k]) || {};
    groups.forEach(function (members, cid) {
      var col = el("div", "lens-col");
      col.setAttribute("data-cluster", cid);
      col.setAttribute("data-size", String(members.length));
      var head = el("div", "lens-head");
      head.appendChild(el("div", "lens-count", members.length + (members.length === 1 ? " data point" : " data points")));
      patternChips(head, (summaries[cid] || {}).top_sequence);
      col.appendChild(head);
      var tokColor = function (t) { return state.colorPos ? posColor(t.pos) : "#fff"; };
      if (lens === "token") {
        var counts = new Map();
        members.forEach(function (row) {
          parseOf(row).forEach(function (t) { counts.set(t.token, (counts.get(t.token) || 0) + 1); });
        });
        var tokScale = ordinal([], SET3);
        tokColor = function (t) { return counts.get(t.token) > 3 ? tokScale(t.token) : "#fff"; };
      }
      var body = el("div", "lens-body" + (state.collapse ? " collapsed" : ""));
      members.forEach(function (row) {
        var r = el("div", "lens-row" + (isSeed(row) ? " is-seed" : ""));
        r.setAttribute("data-index", String(row.index));
        r.title = textOf(row);
        r.appendChild(drawRow(row, tokColor, state.collapse));
        if (state.collapse) {
          // Table-lens mode: hovering a row expands it.
          r.addEventListener("mouseenter", function () {
            r.replaceChild(drawRow(row, tokColor, false), r.firstChild);
            r.parentNode.classList.remove("collapsed");
            r.classList.add("expanded");
          });
          r.addEventListener("mouseleave", function () {
            r.replaceChild(drawRow(row, tokColor, true), r.firstChild);
            r.parentNode.classList.add("collapsed");
            r.classList.remove("expanded");
          });
        }
        body.appendChild(r);
      });
      col.appendChild(body);
      // Column width: the widest of the first 10 rows (as the released
      // tool); longer rows are clipped.
      var cw = 0;
      Array.prototype.slice.call(body.children, 0, 10).forEach(function (r) {
        cw = Math.max(cw, Number(r.firstChild.getAttribute("width")) || 0);
      });
      body.style.width = Math.max(cw + 8, 160) + "px";
      cols.appendChild(col);
    });
    cols.setAttribute("data-lens", lens);
    cols.setAttribute("data-k", k);
    cols.setAttribute("data-columns", String(groups.size));
    cols.setAttribute("data-highlighted", "0");
  }

  function buildBar() {
    var bar = document.getElementById("lens-bar");
    var lab = el("label", "", "Similarity: ");
    var sel = el("select");
    sel.id = "lens-select";
    lenses.forEach(function (l) {
      var o = el("option", "", LENS_NAMES[l] || l);
      o.value = l;
      sel.appendChild(o);
    });
    sel.addEventListener("change", function () {
      state.lens = sel.value;
      state.k = nearestK(state.lens, state.k);
      render();
    });
    lab.appendChild(sel);
    bar.appendChild(lab);
    function check(id, text, key) {
      var l = el("label");
      var c = el("input");
      c.type = "checkbox";
      c.id = id;
      c.addEventListener("change", function () { state[key] = c.checked; render(); });
      l.appendChild(c);
      l.appendChild(document.createTextNode(" " + text));
      bar.appendChild(l);
    }
    check("lens-colorpos", "Color POS", "colorPos");
    check("lens-colordep", "Color DEP", "colorDep");
    check("lens-collapse", "Collapse", "collapse");
    var step = el("span");
    function stepper(id, text, d) {
      var b = el("button", "", text);
      b.id = id;
      b.type = "button";
      b.addEventListener("click", function () {
        var ks = ksOf(state.lens), i = ks.indexOf(state.k) + d;
        if (i >= 0 && i < ks.length) { state.k = ks[i]; render(); }
      });
      return b;
    }
    step.appendChild(stepper("lens-kminus", "\u2212", -1));
    step.appendChild(el("span", "", " "));
    var kl = el("span", "", "");
    kl.id = "lens-k";
    step.appendChild(kl);
    step.appendChild(el("span", "", " "));
    step.appendChild(stepper("lens-kplus", "+", 1));
    bar.appendChild(step);
    var legend = document.getElementById("lens-legend");
    UPOS.forEach(function (p) {
      var c = el("span", "lens-chip", p);
      c.style.background = posColor(p);
      c.addEventListener("mouseenter", function () { highlight(["p\u0000" + p]); });
      c.addEventListener("mouseleave", clearSoon);
      legend.appendChild(c);
    });
  }

  buildBar();
  readHash();
  render();
  window.addEventListener("hashchange", function () { readHash(); render(); });
  document.body.setAttribute("data-ready", "1");
})();
