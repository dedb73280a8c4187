// The report's behaviour: click a record -> scroll to its evidence and flash it; hover a
// highlight -> show its records; filters. Data is only ever read from the DOM and copied with
// cloneNode/textContent (never parsed as HTML), so no text from an article or a model can
// become markup here.
(function () {
  "use strict";
  var marksOf = new Map();
  document.querySelectorAll("mark.hl").forEach(function (mark) {
    mark.dataset.recs.split(" ").forEach(function (id) {
      if (!marksOf.has(id)) { marksOf.set(id, []); }
      marksOf.get(id).push(mark);
    });
  });

  function flash(element) {
    element.classList.remove("flash");
    void element.offsetWidth; // restart the animation
    element.classList.add("flash");
    window.setTimeout(function () { element.classList.remove("flash"); }, 1600);
  }

  function openAncestors(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
  }

  function showEvidence(id) {
    var marks = marksOf.get(id) || [];
    var card = document.getElementById("rec-" + id);
    if (card) { openAncestors(card); flash(card); }
    if (!marks.length) {
      if (card) { card.scrollIntoView({ block: "center" }); }
      return;
    }
    openAncestors(marks[0]);
    marks[0].scrollIntoView({ block: "center" });
    marks.forEach(flash);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var source = target.closest("a.src");
    if (source) {
      event.preventDefault();
      showEvidence(source.dataset.rec);
      return;
    }
    var card = target.closest("li.rec");
    if (card) { showEvidence(card.dataset.rec); }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target instanceof Element && target.matches("li.rec")) {
      showEvidence(target.dataset.rec);
    }
  });

  var tooltip = document.getElementById("tooltip");
  document.addEventListener("mouseover", function (event) {
    var target = event.target;
    var mark = target instanceof Element ? target.closest("mark.hl") : null;
    if (!mark) { tooltip.hidden = true; return; }
    tooltip.replaceChildren();
    mark.dataset.recs.split(" ").forEach(function (id) {
      var line = document.querySelector("#rec-" + CSS.escape(id) + " .rec-line");
      if (line) { tooltip.appendChild(line.cloneNode(true)); }
    });
    var box = mark.getBoundingClientRect();
    tooltip.style.left = Math.max(4, box.left + window.scrollX) + "px";
    tooltip.style.top = (box.bottom + window.scrollY + 6) + "px";
    tooltip.hidden = false;
  });

  var form = document.getElementById("filters");
  function applyFilters() {
    var types = new Set(Array.from(form.querySelectorAll("input[name=type]:checked"), function (box) { return box.value; }));
    var country = form.elements.namedItem("country").value;
    var from = form.elements.namedItem("from").value;
    var to = form.elements.namedItem("to").value;
    document.querySelectorAll(".filterable").forEach(function (element) {
      var data = element.dataset;
      var ok = types.has(data.type);
      if (ok && country) { ok = (data.countries || "").split("|").indexOf(country) >= 0; }
      if (ok && (from || to)) {
        ok = Boolean(data.dateStart) && (!from || data.dateEnd >= from) && (!to || data.dateStart <= to);
      }
      element.classList.toggle("hidden", !ok);
    });
    document.querySelectorAll("mark.hl").forEach(function (mark) {
      var visible = mark.dataset.recs.split(" ").some(function (id) {
        var card = document.getElementById("rec-" + id);
        return card && !card.classList.contains("hidden");
      });
      mark.classList.toggle("off", !visible);
    });
    document.querySelectorAll(".filterable-article").forEach(function (article) {
      var match = !country || (article.dataset.countries || "").split("|").indexOf(country) >= 0;
      article.classList.toggle("hidden", !match);
    });
  }
  form.addEventListener("change", applyFilters);
  form.addEventListener("input", applyFilters);
  form.addEventListener("reset", function () { window.setTimeout(applyFilters, 0); });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.article").forEach(function (d) { d.open = true; });
  });
}());
