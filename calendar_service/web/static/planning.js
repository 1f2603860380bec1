// The planning view's Print link, when the list has several pages, opens every
// row on one page with #print: print it once it has loaded.
if (location.hash === "#print") {
  window.addEventListener("load", () => {
    history.replaceState(null, "", location.pathname + location.search);
    window.print();
  });
}
