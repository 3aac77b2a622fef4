// Records uncaught errors, console errors and CSP violations (any attempt to
// reach the network) as <li> items in #lens-errors, so a test reading the
// DOM sees them.
(function () {
  "use strict";
  function report(kind, msg) {
    var ul = document.getElementById("lens-errors");
    var li = document.createElement("li");
    li.className = "lens-error";
    li.textContent = kind + ": " + msg;
    ul.appendChild(li);
  }
  window.addEventListener("error", function (e) {
    report("error", (e.message || "error") + " at " + (e.filename || "") + ":" + (e.lineno || 0));
  });
  window.addEventListener("unhandledrejection", function (e) {
    report("rejection", String(e.reason));
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    report("csp", e.violatedDirective + " " + e.blockedURI);
  });
  var orig = console.error;
  console.error = function () {
    report("console", Array.prototype.map.call(arguments, String).join(" "));
    return orig.apply(console, arguments);
  };
})();
