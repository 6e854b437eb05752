/* The reader's edition at every width (see book.css).

   Tables: each cell gets its column's header as data-label; a table that does not fit the text
   column at its natural width (every column at least as wide as its longest word) is shown as
   stacked cards, one card per row with the header beside each value, instead of scrolling sideways.
   A missing value (an empty cell: the wide table shows it blank) is left out of its card, header
   and all, in every table alike (book.css: td.hf-empty).
   Footer links are written relative to the page (../); on pages at the site's root (search,
   index) they are rewritten from the site's root so that they never leave the site. */
(function () {
  "use strict";

  function labelCells(table) {
    const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    for (const tr of table.querySelectorAll("tbody tr")) {
      Array.from(tr.children).forEach((td, i) => {
        if (heads[i]) td.setAttribute("data-label", heads[i]);
        if (!td.textContent.trim() && !td.querySelector("img, svg")) td.classList.add("hf-empty");
      });
    }
  }

  function fitTables() {
    for (const table of document.querySelectorAll(".bd-article table")) {
      if (!table.dataset.hfLabelled) {
        labelCells(table);
        table.dataset.hfLabelled = "1";
      }
      table.classList.remove("hf-cards");
      const box = table.closest(".pst-scrollable-table-container, .table-wrapper") || table.parentElement;
      if (table.scrollWidth > box.clientWidth + 1) table.classList.add("hf-cards");
    }
  }

  function fixFooter() {
    const root = document.documentElement.dataset.content_root;
    if (root === undefined) return;
    for (const a of document.querySelectorAll(".hfhub-footer a[href^='../']")) {
      const rest = a.getAttribute("href").slice(3);
      // a page one level down (book/...) has content_root "../": the link is right as it is
      if (root === "../") continue;
      a.setAttribute("href", root + rest);
    }
  }

  let pending = null;
  function onResize() {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(fitTables);
  }

  function start() {
    fixFooter();
    fitTables();
    window.addEventListener("resize", onResize);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
