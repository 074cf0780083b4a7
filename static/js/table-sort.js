/* Sorts a `table.sortable` by a column when its header is clicked (again: the other way).
 *
 * Each cell carries its sort value in `data-sort` (a number for numeric columns, the text
 * otherwise; empty when missing — missing values always go last). Numeric columns start
 * descending (the best first), text columns ascending, compared the way Chinese readers
 * expect (localeCompare with numeric collation, so "九(10)班" follows "九(9)班").
 */
(function () {
  "use strict";

  var collator = new Intl.Collator("zh-Hans-CN", { numeric: true });

  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim() : value;
  }

  function compare(a, b, numeric) {
    if (a === "" || b === "") { return a === b ? 0 : (a === "" ? 1 : -1); }
    if (numeric) {
      var x = parseFloat(a), y = parseFloat(b);
      if (!isNaN(x) && !isNaN(y)) { return x - y; }
    }
    return collator.compare(a, b);
  }

  function sortBy(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-kind") === "num";
    var current = th.getAttribute("aria-sort");
    var first = numeric ? "descending" : "ascending";
    var next = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
    var sign = next === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, key: key(row, index), i: i };
    });
    rows.sort(function (p, q) {
      if (p.key === "" || q.key === "") { return compare(p.key, q.key, numeric) || p.i - q.i; }
      return sign * compare(p.key, q.key, numeric) || p.i - q.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", next);
  }

  function init() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th) {
        var button = th.querySelector("button.sort") || th;
        button.addEventListener("click", function () { sortBy(table, th); });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
