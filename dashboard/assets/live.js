// Follows /live (server-sent events): each new position of the log is put on <html data-live-version>
// and into the store "live-version", whose change redraws the figures.
(function () {
  var PUSH_ID = "live-push";
  var STORE_ID = "live-version";
  var wait = 1000;
  var source = null;

  var last = null;

  function push(version) {
    if (last === null) {
      // the version the page was drawn at; a reconnect that finds nothing new redraws nothing
      var shell = document.getElementById("shell");
      last = shell ? shell.getAttribute("data-live-version") : null;
    }
    if (version === last) { return; }
    last = version;
    document.documentElement.setAttribute("data-live-version", version);
    // straight into the store, whose change redraws the figures (no round trip to the server
    // first); where Dash cannot set it from outside, a click on the button, which the
    // callback "follow_the_log" passes on
    var clientside = window.dash_clientside;
    if (clientside && typeof clientside.set_props === "function") {
      clientside.set_props(STORE_ID, {data: version});
      return;
    }
    var button = document.getElementById(PUSH_ID);
    if (button) { button.click(); }
  }

  function connect() {
    if (document.getElementById("username")) { return; }  // the sign-in page has nothing to follow
    source = new EventSource("/live");
    source.addEventListener("version", function (event) { wait = 1000; push(event.data); });
    source.addEventListener("signed-out", function () { source.close(); window.location.reload(); });
    source.onopen = function () { document.documentElement.setAttribute("data-live", "open"); };
    source.onerror = function () {
      document.documentElement.setAttribute("data-live", "reconnecting");
      // the browser retries a dropped stream by itself; a refused one (closed) is retried here
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, wait);
        wait = Math.min(wait * 2, 30000);
      }
    };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
