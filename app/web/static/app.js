/* regmap web pages: small progressive enhancement. Everything works without it.
   - type-ahead: fields with data-suggest fill their <datalist> from the server;
   - an error summary takes the focus, so screen readers announce it first. */
(function () {
  "use strict";
  var sources = {
    suche: function (q) { return "/vorschlaege/suche?q=" + encodeURIComponent(q); },
    gemeinde: function (q) { return "/vorschlaege/orte?ebene=gemeinde&q=" + encodeURIComponent(q); },
    gebiet: function (q) { return "/vorschlaege/orte?q=" + encodeURIComponent(q); },
    organisation: function (q) { return "/vorschlaege/organisationen?q=" + encodeURIComponent(q); }
  };

  function fill(list, items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var option = document.createElement("option");
      if (typeof item === "string") {
        option.value = item;
      } else {
        option.value = item.label;
        if (item.detail) { option.label = item.detail; }
      }
      list.appendChild(option);
    });
  }

  function attach(input) {
    var source = sources[input.getAttribute("data-suggest")];
    var list = document.getElementById(input.getAttribute("list"));
    if (!source || !list) { return; }
    var timer = null, last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(source(q), { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) { if (input.value.trim() === q) { fill(list, items); } })
          .catch(function () { /* suggestions are a convenience; typing still works */ });
      }, 180);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-suggest]"), attach);
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
  });
})();
