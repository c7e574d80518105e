// talksocial console: an image that cannot load (offline, moved) shows the server's avatar.
(function () {
  function fallBack(img) {
    var alt = img.getAttribute("data-fallback");
    if (alt && img.getAttribute("src") !== alt) { img.setAttribute("src", alt); }
  }
  document.querySelectorAll("img[data-fallback]").forEach(function (img) {
    img.addEventListener("error", function () { fallBack(img); });
    if (img.complete && img.naturalWidth === 0) { fallBack(img); }
  });
})();
