// pushdeck's small client helpers. Everything else is htmx.
"use strict";

// The page runs under a Content-Security-Policy that allows no inline
// script, so behaviour is attached here from data attributes.

// [data-confirm] on a submit button asks before a destructive submit.
document.addEventListener("click", function (ev) {
  var el = ev.target.closest && ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }
}, true);

// [data-autosubmit] on a select submits its form when it changes.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});

// The composer shows only the field groups the selected provider kind can
// send: elements with data-kinds="getui mxpush sandbox" are hidden and
// disabled (so they are not submitted) for other kinds. The server renders
// the same state first; this keeps it in step when the provider changes.
function pushdeckApplyKind(form) {
  var src = form.querySelector("[data-kind-source]");
  if (!src || !src.selectedOptions.length) return;
  var kind = src.selectedOptions[0].getAttribute("data-kind") || "";
  form.querySelectorAll("[data-kinds]").forEach(function (el) {
    var kinds = (el.getAttribute("data-kinds") || "").split(" ");
    var on = kind === "" || kinds.indexOf(kind) >= 0 || el.querySelector("[aria-invalid='true']") !== null;
    el.hidden = !on;
    el.disabled = !on;
  });
  form.querySelectorAll("select[name='type'], select[data-ab-base='type']").forEach(function (type) {
    if (type.selectedOptions.length && type.selectedOptions[0].disabled) {
      var first = type.querySelector("option:not([disabled])");
      if (first) {
        type.value = first.value;
        type.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });
}

// A/B variants: each field of a further variant (data-ab-base names the
// composer's own field it copies) follows the composer's field while it
// still holds the same value, so a variant stays a copy of the first until
// the operator changes it there; a field that differs is marked.
function pushdeckVariants(form) {
  function value(el) { return el.type === "checkbox" ? (el.checked ? "1" : "") : el.value; }
  form.querySelectorAll("[data-ab-base]").forEach(function (el) {
    var base = form.querySelector("[name='" + el.getAttribute("data-ab-base") + "']");
    if (!base) return;
    var last = value(base);
    function mark() {
      var wrap = el.closest(".ab-field");
      if (wrap) wrap.toggleAttribute("data-differs", value(el) !== value(base));
    }
    function follow() {
      if (value(el) === last) {
        if (el.type === "checkbox") el.checked = base.checked; else el.value = base.value;
      }
      last = value(base);
      mark();
    }
    base.addEventListener("input", follow);
    base.addEventListener("change", follow);
    el.addEventListener("input", mark);
    el.addEventListener("change", mark);
  });
}

// The audience kind shows the inputs it uses (data-audience="tag alias cid").
function pushdeckApplyAudience(form) {
  var src = form.querySelector("[data-audience-source]");
  if (!src) return;
  form.querySelectorAll("[data-audience]").forEach(function (el) {
    var kinds = el.getAttribute("data-audience").split(" ");
    el.hidden = kinds.indexOf(src.value) < 0 && el.querySelector("[aria-invalid='true']") === null;
  });
}

// A new campaign starts in the browser's time zone (the server falls back
// to UTC without this script).
function pushdeckBrowserZone(form) {
  var sel = form.querySelector("select[data-auto-timezone]");
  if (!sel || !window.Intl) return;
  var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!tz) return;
  var found = Array.prototype.some.call(sel.options, function (o) { return o.value === tz; });
  if (!found) {
    var o = document.createElement("option");
    o.value = tz;
    o.textContent = tz.replace(/_/g, " ");
    sel.insertBefore(o, sel.firstChild);
  }
  sel.value = tz;
}

// Live counters: the name, title and body count as the operator types,
// against the limits the selected account's kind and the message type
// have (the server validates against the same figures, sent in the
// #composer-limits JSON). A field past its limit is marked.
function pushdeckCounters(form) {
  var src = document.getElementById("composer-limits");
  if (!src) return;
  var limits = JSON.parse(src.textContent) || {};
  var unitBytes = form.getAttribute("data-unit-bytes") || "bytes";
  function measure(value, bytes) {
    return bytes ? new TextEncoder().encode(value).length : Array.from(value).length;
  }
  function update() {
    var kindSel = form.querySelector("[data-kind-source]");
    var kind = kindSel && kindSel.selectedOptions.length ? kindSel.selectedOptions[0].getAttribute("data-kind") || "" : "";
    var typeSel = form.querySelector("select[name='type']");
    var byField = ((limits[kind] || {})[typeSel ? typeSel.value : ""]) || {};
    ["name", "title", "body", "big_text"].forEach(function (name) {
      var el = form.querySelector("[name='" + name + "']");
      if (!el) return;
      var c = form.querySelector(".char-counter[data-for='" + name + "']");
      var lim = byField[name];
      if (!lim || el.disabled) {
        if (c) c.hidden = true;
        return;
      }
      if (!c) {
        c = document.createElement("small");
        c.className = "char-counter";
        c.setAttribute("data-for", name);
        c.setAttribute("data-testid", "counter-" + name);
        c.setAttribute("aria-live", "polite");
        el.insertAdjacentElement("afterend", c);
      }
      var n = measure(el.value.trim(), lim.bytes);
      c.hidden = false;
      c.textContent = n + " / " + lim.max + (lim.bytes ? " " + unitBytes : "");
      c.classList.toggle("over", n > lim.max);
      c.setAttribute("data-over", n > lim.max ? "true" : "false");
    });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("campaign-form");
  if (!form) return;
  pushdeckApplyKind(form);
  pushdeckCounters(form);
  pushdeckApplyAudience(form);
  pushdeckBrowserZone(form);
  pushdeckVariants(form);
  form.addEventListener("change", function (ev) {
    if (ev.target.matches("[data-kind-source]")) pushdeckApplyKind(form);
    if (ev.target.matches("[data-audience-source]")) pushdeckApplyAudience(form);
  });
});

// Charts: every [data-chart] element is drawn with uPlot from the JSON
// script of the same id. Lines differ by dash pattern as well as colour,
// and the legend names them, so the chart reads without colour.
(function () {
  var colours = ["#0b6bcb", "#1e7d45", "#a15c00", "#6a1b9a", "#b71c1c"];
  function draw(root) {
    if (typeof uPlot === "undefined") return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var src = document.getElementById(el.dataset.chart);
      if (!src) return;
      var data = JSON.parse(src.textContent);
      var series = [{ label: "" }];
      var cols = [data.x];
      data.series.forEach(function (s, i) {
        series.push({ label: s.label, stroke: colours[i % colours.length], width: 2, dash: s.dash || [], points: { show: true, size: 5 } });
        cols.push(s.data);
      });
      var width = Math.max(280, el.clientWidth || 600);
      var isTime = data.x.length > 0 && data.x[0] > 1e9;
      // A single point (or equal ends) gets a ten-minute window instead of
      // uPlot's default of years.
      var x = { time: isTime };
      var lo = data.x[0], hi = data.x[data.x.length - 1];
      if (lo === hi) {
        x.auto = false;
        x.range = [lo - 300, hi + 300];
      }
      // Time ticks get room for their two-line labels (date and time):
      // with uPlot's default spacing the first ones overlapped.
      var axes = [{ space: isTime ? 110 : 50 }, {}];
      new uPlot({ width: width, height: 260, series: series, scales: { x: x }, axes: axes }, cols, el);
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();

// [data-select-all] ticks or clears every device checkbox of the bulk form.
document.addEventListener("click", function (ev) {
  var box = ev.target;
  if (!box.matches || !box.matches("[data-select-all]")) return;
  document.querySelectorAll('input[name="cids"][form="bulk-form"]').forEach(function (c) { c.checked = box.checked; });
});
