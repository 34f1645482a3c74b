// Tables on a phone: every table with a header becomes a stack of cards below 600 px, each cell
// labelled with its column's header (CSS in dudao.css, .dd-stack), so no column is squeezed to one
// character per line; a table without a header scrolls inside its own box instead of the page.
(function () {
  function labels(table) {
    var heads = [];
    table.querySelectorAll("thead tr:last-child th, thead tr:last-child td").forEach(function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) heads.push(th.textContent.trim());
    });
    return heads;
  }
  function stack(table) {
    var heads = labels(table);
    if (!heads.length) {
      var box = document.createElement("div");
      box.className = "dd-table-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
      return;
    }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.from(row.children).forEach(function (cell) {
        if (heads[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[column]);
        column += cell.colSpan || 1;
      });
    });
    table.classList.add("dd-stack");
  }
  function run() { document.querySelectorAll(".dd-page table, .vf-page__content table").forEach(stack); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
