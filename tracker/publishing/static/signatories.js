/* The signatories table of a published letter: paged, searchable and sortable, with the list
   loaded in chunks (script files, so that the site works from the disk as well as from a host).
   Every value is set as text, never as HTML. */
(function () {
  "use strict";

  var POSITION = 0, NAME = 1, TITLE = 2, AFFILIATION = 3, STATUS = 4, SOURCE = 5, SIGNED = 6,
      LINK = 7;
  var table = document.getElementById("signatories");
  var body = table.tBodies[0];
  var search = document.getElementById("search");
  var pageSize = document.getElementById("page-size");
  var statusLine = document.getElementById("status");
  var pageLabel = document.getElementById("page");
  var previous = document.getElementById("previous");
  var next = document.getElementById("next");
  var base = table.getAttribute("data-meta").replace(/[^/]*$/, "");

  var meta = null;
  var pageLoaded = document.readyState === "complete";
  var rows = [];        // every loaded row, in the order of the list
  var keys = [];        // each row's folded text, for searching
  var chunksLoaded = 0;
  var view = null;      // indices of the rows shown (null: every loaded row, in order)
  var query = [];
  var sortColumn = null, sortDirection = 1;
  var page = 0;
  var collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  var dayFormat = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "long", year: "numeric", timeZone: "UTC"
  });

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function load(file) {
    var element = document.createElement("script");
    element.src = base + file;
    element.async = true;
    element.onerror = function () {
      statusLine.textContent = "Part of the list could not be loaded (" + file + ").";
    };
    document.body.appendChild(element);
  }

  window.TRACKER = {
    meta: function (value) {
      meta = value;
      if (meta.files.length) {
        load(meta.files[0]);
      } else {
        refresh();
      }
    },
    chunk: function (index, data) {
      for (var i = 0; i < data.length; i++) {
        var row = data[i];
        rows.push(row);
        keys.push(fold([row[NAME] || "", row[TITLE] || "", row[AFFILIATION] || ""].join(" ")));
      }
      chunksLoaded += 1;
      loadNext();
      if (index === 0 || query.length || sortColumn !== null || chunksLoaded === meta.files.length) {
        refresh();
      } else {
        describe();
      }
    }
  };

  /* The first chunk is part of the page; the rest load after it, one at a time, each after the
     browser has had a moment for the reader (a script added before the page's load event would
     hold that event back, and the reader with it). */
  function loadNext() {
    if (chunksLoaded >= meta.files.length) { return; }
    if (!pageLoaded) { return; }
    setTimeout(function () { load(meta.files[chunksLoaded]); }, 0);
  }
  window.addEventListener("load", function () {
    pageLoaded = true;
    if (meta && chunksLoaded > 0) { loadNext(); }
  });

  function matches(index) {
    for (var i = 0; i < query.length; i++) {
      if (keys[index].indexOf(query[i]) === -1) {
        return false;
      }
    }
    return true;
  }

  function compare(a, b) {
    var x = rows[a][sortColumn], y = rows[b][sortColumn];
    if (x === y) { return a - b; }
    if (x === null || x === undefined || x === "") { return 1; }
    if (y === null || y === undefined || y === "") { return -1; }
    var order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(x, y);
    return (order || a - b) * sortDirection;
  }

  function refresh() {
    if (!query.length && sortColumn === null) {
      view = null;
    } else {
      view = [];
      for (var i = 0; i < rows.length; i++) {
        if (!query.length || matches(i)) { view.push(i); }
      }
      if (sortColumn !== null) { view.sort(compare); }
    }
    var pages = Math.max(1, Math.ceil(shown() / size()));
    if (page >= pages) { page = pages - 1; }
    render();
    describe();
  }

  function shown() { return view === null ? rows.length : view.length; }
  function size() { return parseInt(pageSize.value, 10) || 50; }

  function cell(tr, text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    td.textContent = text === null || text === undefined ? "" : String(text);
    tr.appendChild(td);
    return td;
  }

  function render() {
    var start = page * size();
    var end = Math.min(start + size(), shown());
    var fragment = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var row = rows[view === null ? i : view[i]];
      var tr = document.createElement("tr");
      if (row[STATUS] === "retracted") { tr.className = "retracted"; }
      cell(tr, row[POSITION], "num");
      var name = cell(tr, "");
      if (row[NAME] === null) {
        var withheld = document.createElement("span");
        withheld.className = "withheld";
        withheld.textContent = "name withheld";
        name.appendChild(withheld);
      } else if (row[LINK] && /^https?:\/\//i.test(row[LINK])) {
        var link = document.createElement("a");
        link.href = row[LINK];
        link.rel = "noopener noreferrer nofollow";
        link.textContent = row[NAME];
        name.appendChild(link);
      } else {
        name.textContent = row[NAME];
      }
      cell(tr, row[TITLE]);
      cell(tr, row[AFFILIATION]);
      cell(tr, row[STATUS], "status-cell");
      cell(tr, row[SIGNED] ? dayFormat.format(new Date(row[SIGNED] + "T00:00:00Z")) : "");
      cell(tr, row[SOURCE]);
      fragment.appendChild(tr);
    }
    body.replaceChildren(fragment);
    if (!table.hasAttribute("data-ready")) {
      table.setAttribute("data-ready", String(Math.round(performance.now())));
    }
    var pages = Math.max(1, Math.ceil(shown() / size()));
    pageLabel.textContent = "Page " + (page + 1) + " of " + pages;
    previous.disabled = page === 0;
    next.disabled = page + 1 >= pages;
  }

  function describe() {
    var total = meta ? meta.total : 0;
    var text = query.length
      ? shown().toLocaleString("en") + " of " + rows.length.toLocaleString("en") + " entries match"
      : rows.length.toLocaleString("en") + " entries";
    if (meta && rows.length < total) {
      text += " (loaded " + rows.length.toLocaleString("en") + " of " +
        total.toLocaleString("en") + "; searching and sorting cover what is loaded)";
    }
    statusLine.textContent = text + ".";
  }

  var timer = null;
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      query = fold(search.value).split(/\s+/).filter(function (word) { return word; });
      page = 0;
      refresh();
    }, 120);
  });
  document.getElementById("controls").addEventListener("submit", function (event) {
    event.preventDefault();
  });
  pageSize.addEventListener("change", function () { page = 0; refresh(); });
  previous.addEventListener("click", function () { if (page > 0) { page -= 1; render(); } });
  next.addEventListener("click", function () {
    if ((page + 1) * size() < shown()) { page += 1; render(); }
  });
  var buttons = table.querySelectorAll("th button[data-sort]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      var column = parseInt(button.getAttribute("data-sort"), 10);
      sortDirection = sortColumn === column ? -sortDirection : 1;
      sortColumn = column;
      Array.prototype.forEach.call(buttons, function (other) {
        other.parentNode.removeAttribute("aria-sort");
      });
      button.parentNode.setAttribute("aria-sort", sortDirection === 1 ? "ascending" : "descending");
      page = 0;
      refresh();
    });
  });

  load(table.getAttribute("data-meta").replace(/^.*\//, ""));
})();
