// Small screens: the main navigation folds behind the "Menu" button, and each table cell is
// labelled with its column's header (data-label), so stacked rows still say what they show.
// Without JavaScript the navigation stays open and tables scroll sideways in their box.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function menu() {
    var button = document.querySelector("button.menu-toggle");
    if (!button) return;
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.setAttribute("aria-expanded", "false");
        nav.classList.remove("open");
        button.focus();
      }
    });
  }

  function columnLabels(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return null;
    var labels = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      var text = cell.textContent.replace(/\s+/g, " ").trim();
      for (var i = 0; i < (cell.colSpan || 1); i++) labels.push(text);
    });
    return labels;
  }

  function label(table) {
    var labels = columnLabels(table);
    if (!labels) return;
    table.classList.add("stacks");
    var bodies = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) bodies.push(table.tFoot);
    bodies.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var text = labels[column];
          // A footer's row header ("Total") says what it is: not "Month: Total".
          if (body === table.tFoot && cell.tagName === "TH") text = "";
          if (text && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", text);
          column += cell.colSpan || 1;
        });
      });
    });
  }

  function labelAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("table"), label);
  }

  function start() {
    menu();
    labelAll(document);
    // htmx swaps in new rows (sorting, paging): label them too.
    document.body.addEventListener("htmx:afterSwap", function (event) { labelAll(event.target); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
