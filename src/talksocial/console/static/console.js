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
// A message card's image that cannot load is left out, as Kakao Talk leaves it out.
(function () {
  document.querySelectorAll("img[data-image-url]").forEach(function (img) {
    img.addEventListener("error", function () { img.classList.add("broken"); });
    if (img.complete && img.naturalWidth === 0) { img.classList.add("broken"); }
  });
})();
