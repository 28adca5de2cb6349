// Tables that become cards on phones (table.cards, app.css) keep their table semantics for screen readers:
// WebKit drops a table's roles once its rows and cells are restyled as blocks, so they are said outright.
(() => {
  "use strict";
  const roles = [
    ["thead, tbody, tfoot", "rowgroup"],
    ["tr", "row"],
    ["th[scope=row]", "rowheader"],
    ["th:not([scope=row])", "columnheader"],
    ["td", "cell"],
  ];
  for (const table of document.querySelectorAll("table.cards")) {
    table.setAttribute("role", "table");
    for (const [selector, role] of roles) {
      for (const el of table.querySelectorAll(selector)) el.setAttribute("role", role);
    }
  }
})();
