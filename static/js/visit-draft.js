/* The phone scoring form of a visit (templates/inspections/visit_form.html): a draft that
 * survives a lost connection. Docs: docs/inspections.md, "Pages".
 *
 * - Every input is kept in localStorage under "tizhi-visit-draft:<visit id>:<user id>" as
 *   {"version": the server version it builds on, "savedAt": ms, "values": {field: value}},
 *   and the bottom bar says "已在本机保存 hh:mm".
 * - When online, the form is also saved to the server in the background: the same POST as the
 *   保存草稿 button, with X-Requested-With, answered with JSON ({"ok", "version", "saved_at"} or
 *   {"ok": false, "message", "errors": {item id: message}}). After a successful save the local
 *   copy is removed (unless something was typed meanwhile).
 * - Offline (navigator.onLine false) a banner says so; saving waits for the "online" event;
 *   提交 is held back.
 * - On load, a local copy that differs from what the page shows is restored at once when it
 *   builds on the version the server still has (data-version); when the server changed since
 *   (another device saved), the user is asked.
 * - The visit page of a submitted visit names its key in data-visit-draft-clear: removed.
 * Without this script the form is a plain POST and works the same, minus the local copy.
 */
(function () {
  "use strict";

  var PREFIX = "tizhi-visit-draft:";
  var SYNC_DELAY = 2000;

  function openStorage() {
    try {
      var s = window.localStorage;
      s.setItem(PREFIX + "probe", "1");
      s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) {
      return null;
    }
  }
  var store = openStorage();

  function hhmm(date) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function init() {
    if (store) {
      document.querySelectorAll("[data-visit-draft-clear]").forEach(function (el) {
        store.removeItem(PREFIX + el.getAttribute("data-visit-draft-clear"));
      });
    }
    var form = document.getElementById("visit-form");
    if (form) { scoringForm(form); }
  }

  function scoringForm(form) {
    var key = PREFIX + form.getAttribute("data-draft-key");
    var version = form.getAttribute("data-version");
    var msg = function (name) { return form.getAttribute("data-msg-" + name) || ""; };
    var banner = form.querySelector(".offline-banner");
    var offer = form.querySelector(".draft-offer");
    var savedNote = form.querySelector(".visit-bar-saved");
    var scoredCount = form.querySelector("[data-scored]");
    var timer = null;
    var inflight = false;
    var again = false;
    var offerPending = false;

    function state() {
      var values = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "action") { return; }
        if (el.type === "radio") {
          if (el.checked) { values[el.name] = el.value; }
          else if (!(el.name in values)) { values[el.name] = ""; }
          return;
        }
        values[el.name] = el.value;
      });
      return values;
    }

    function apply(values) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || !Object.prototype.hasOwnProperty.call(values, el.name)) { return; }
        if (el.type === "radio") { el.checked = el.value === values[el.name]; }
        else { el.value = values[el.name]; }
      });
      count();
    }

    function same(a, b) {
      var keys = Object.keys(a).concat(Object.keys(b));
      for (var i = 0; i < keys.length; i++) {
        if ((a[keys[i]] || "") !== (b[keys[i]] || "")) { return false; }
      }
      return true;
    }

    function read() {
      if (!store) { return null; }
      try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
    }

    function writeLocal() {
      if (!store) { return; }
      var record = { version: version, savedAt: Date.now(), values: state() };
      try {
        store.setItem(key, JSON.stringify(record));
        note(msg("local") + " " + hhmm(new Date(record.savedAt)));
      } catch (e) { /* storage full: the server save still runs */ }
    }

    function note(text) { if (savedNote) { savedNote.textContent = text; } }

    function count() {
      if (!scoredCount) { return; }
      var n = 0;
      form.querySelectorAll("fieldset[data-item]").forEach(function (card) {
        var points = card.querySelector("input[type=number]");
        var level = card.querySelector("input[type=radio]:checked");
        if ((points && points.value.trim() !== "") || (level && level.value !== "")) { n += 1; }
      });
      scoredCount.textContent = String(n);
    }

    function showErrors(errors) {
      form.querySelectorAll("[data-error-for]").forEach(function (p) {
        var id = p.getAttribute("data-error-for");
        var text = errors && errors[id];
        p.textContent = text || "";
        p.hidden = !text;
        var card = form.querySelector("fieldset[data-item='" + id + "']");
        if (card) { card.classList.toggle("has-error", Boolean(text)); }
      });
    }

    function online() { return navigator.onLine !== false; }

    function showOnline() { if (banner) { banner.hidden = online(); } }

    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(sync, delay);
    }

    function sync() {
      if (offerPending || !online()) { showOnline(); return; }
      var record = read();
      if (store && !record) { return; }
      if (inflight) { again = true; return; }
      inflight = true;
      note(msg("saving"));
      var data = new FormData(form);
      data.set("action", "save");
      // Not form.action: the buttons named "action" shadow that property.
      fetch(form.getAttribute("action"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(
          function (body) { return { ok: response.ok, body: body }; },
          function () { return { ok: false, body: null }; } // a login page, a 403 page
        );
      }).then(function (answer) {
        inflight = false;
        if (answer.ok && answer.body && answer.body.ok) {
          version = answer.body.version;
          form.setAttribute("data-version", version);
          var now = read();
          if (now && record && now.savedAt === record.savedAt) {
            store.removeItem(key);
          } else if (now) {
            now.version = version; // typed meanwhile: still to send, on the new version
            store.setItem(key, JSON.stringify(now));
          }
          showErrors({});
          note(msg("server") + " " + (answer.body.saved_at || hhmm(new Date())));
        } else {
          if (answer.body && answer.body.errors) { showErrors(answer.body.errors); }
          note((answer.body && answer.body.message) || msg("failed"));
        }
        if (again) { again = false; schedule(0); }
      }, function () {
        inflight = false;
        note(msg("failed"));
      });
    }

    function changed() {
      if (offerPending) { hideOffer(); }
      writeLocal();
      count();
      if (online()) { schedule(SYNC_DELAY); } else { showOnline(); }
    }

    function hideOffer() {
      offerPending = false;
      if (offer) { offer.hidden = true; }
    }

    // What the page shows now is what the server holds.
    var shown = state();
    var local = read();
    if (local && local.values) {
      if (same(local.values, shown)) {
        store.removeItem(key);
      } else if (local.version === version || !offer) {
        apply(local.values);
        note(msg("restored") + " " + hhmm(new Date(local.savedAt)));
        schedule(SYNC_DELAY);
      } else {
        offerPending = true;
        offer.querySelector(".draft-offer-time").textContent = hhmm(new Date(local.savedAt));
        offer.hidden = false;
        offer.querySelector("[data-draft-restore]").addEventListener("click", function () {
          hideOffer();
          apply(local.values);
          writeLocal();
          schedule(0);
        });
        offer.querySelector("[data-draft-discard]").addEventListener("click", function () {
          hideOffer();
          store.removeItem(key);
        });
      }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var submitting = submitter && submitter.value === "submit";
      writeLocal();
      if (!online()) {
        event.preventDefault();
        showOnline();
        note(submitting ? msg("offline-submit") : msg("offline-save"));
        return;
      }
      if (submitting && !window.confirm(msg("confirm"))) {
        event.preventDefault();
        return;
      }
      clearTimeout(timer);
    });
    window.addEventListener("online", function () { showOnline(); schedule(0); });
    window.addEventListener("offline", showOnline);
    showOnline();
    count();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
