/* Sortable table: a heading button sorts by its column; again reverses. Empty cells sort last. */
(function () {
  "use strict";
  var table = document.getElementById("session-table");
  if (!table) { return; }
  var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
  var body = table.tBodies[0];
  headers.forEach(function (th, col) {
    var button = th.querySelector("button.sort");
    button.addEventListener("click", function () {
      var numeric = button.getAttribute("data-type") === "number";
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) { return row.cells[col].getAttribute("data-sort") || ""; };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
        var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    });
  });
})();
