/* The book uses no mathematics, and the site must work offline (no CDN):
   Sphinx's MathJax slot points here instead of to a remote copy of MathJax. */
