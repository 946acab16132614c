// cdbsim dashboard: keeps the page live (server-sent events say when to fetch the changed parts again) and opens
// journal rows in place. Without JavaScript the page still works: forms post and links open entries on their own.
"use strict";
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // An id's copy button puts the full id on the clipboard: through the Clipboard API where the page is a secure
  // context (loopback), else through a selected, hidden text area (a page opened from another address).
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "sr-only";
    document.body.append(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button.copy-id");
    if (!button) return;
    copyText(button.dataset.copy).then(function () {
      button.dataset.copied = "1";
      button.textContent = "copied";
      window.setTimeout(function () { delete button.dataset.copied; button.textContent = "copy"; }, 1500);
    }, function () {
      window.getSelection().selectAllChildren(button.previousElementSibling);  // the short id, to copy by hand
      button.textContent = "copy failed";
    });
  });

  const root = document.getElementById("dashboard");
  if (!root) return;
  const prefix = root.dataset.prefix;
  const account = root.dataset.account;
  const region = root.dataset.region;
  const filter = root.dataset.filter;
  const live = document.getElementById("live");
  const rowsShown = Number(root.dataset.journalRows);
  const firstPage = root.dataset.journalPage === "1";  // older pages stay as they are; page 1 takes new rows
  let seq = Number(root.dataset.journalSeq);
  let refreshes = 0;

  function query(extra) {
    return "account=" + encodeURIComponent(account) + (extra ? "&" + extra : "");
  }
  function setLive(state, text) {
    live.dataset.state = state;
    live.textContent = text;
  }
  async function get(url) {
    const response = await fetch(url, { headers: { Accept: "text/html" }, cache: "no-store" });
    if (!response.ok) throw new Error(url.split("?")[0] + " answered " + response.status);
    return response;
  }
  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  // The live parts ([data-live]) are replaced whole; a focused control inside one gets the focus back.
  function swap(parts) {
    const focused = document.activeElement;
    const focusId = focused && focused.id && focused.closest("[data-live]") ? focused.id : null;
    parts.querySelectorAll("[data-live]").forEach(function (fresh) {
      const old = document.querySelector('[data-live="' + fresh.dataset.live + '"]');
      if (old) old.replaceWith(fresh);
    });
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }

  async function refreshState() {
    const response = await get(prefix + "/part/state?" + query("region=" + encodeURIComponent(region)));
    swap(parse(await response.text()));
  }

  async function refreshJournal() {
    if (!firstPage) return;
    const response = await get(prefix + "/part/journal?" + query("since=" + seq + (filter ? "&" + filter : "")));
    const mark = Number(response.headers.get("X-Journal-Seq"));
    const fresh = Array.from(parse(await response.text()).querySelectorAll("tr"));
    const body = document.getElementById("journal-rows");
    fresh.forEach(function (row) { row.classList.add("entry-new"); });
    body.prepend.apply(body, fresh);
    if (fresh.length && document.getElementById("journal-empty")) document.getElementById("journal-empty").remove();
    let entries = 0;
    Array.from(body.rows).forEach(function (row) {
      if (entries >= rowsShown) row.remove();
      else if (row.classList.contains("entry")) entries += 1;
    });
    if (mark > seq) seq = mark;
  }

  // Coverage reads the account's whole journal: it is fetched again only when asked for.
  const coverage = document.querySelector('[data-part="coverage"]');
  coverage.addEventListener("submit", function (event) {
    event.preventDefault();
    const button = document.getElementById("refresh-coverage");
    button.disabled = true;
    get(prefix + "/part/coverage?" + query()).then(function (response) { return response.text(); })
      .then(function (html) {
        coverage.innerHTML = html;
        document.getElementById("refresh-coverage").focus();
      })
      .catch(function (error) { button.disabled = false; button.textContent = "Refresh coverage (" + error.message + ")"; });
  });

  let busy = false;
  let pending = false;
  async function refresh() {
    if (busy) { pending = true; return; }
    busy = true;
    try {
      await Promise.all([refreshState(), refreshJournal()]);
      refreshes += 1;
      root.dataset.refreshes = String(refreshes);
      if (live.dataset.state !== "on") setLive("on", "Live updates: on");
    } catch (error) {
      setLive("retrying", "Live updates: " + error.message);
    } finally {
      busy = false;
      if (pending) { pending = false; refresh(); }
    }
  }

  if (window.EventSource) {
    const source = new EventSource(prefix + "/events?" + query());
    source.addEventListener("open", function () { setLive("on", "Live updates: on"); });
    source.addEventListener("hello", refresh);
    source.addEventListener("change", refresh);
    source.addEventListener("error", function () { setLive("retrying", "Live updates: reconnecting…"); });
    window.addEventListener("pagehide", function () { source.close(); });
  } else {
    setLive("off", "Live updates: not supported by this browser (reload to see changes)");
  }

  // A journal row opens in place to its request and response (fetched once, as the journal stores them).
  document.getElementById("journal-rows").addEventListener("click", async function (event) {
    const button = event.target.closest("button.open-entry");
    if (!button) return;
    const row = button.closest("tr");
    let detail = row.nextElementSibling;
    if (!detail || !detail.classList.contains("entry-row")) {
      detail = document.createElement("tr");
      detail.className = "entry-row";
      detail.id = "entry-" + button.dataset.seq;
      detail.hidden = true;
      const cell = document.createElement("td");
      cell.colSpan = row.children.length;
      detail.append(cell);
      row.after(detail);
      try {
        const response = await get(prefix + "/entry?" + query("seq=" + button.dataset.seq + "&part=1"));
        cell.innerHTML = await response.text();
      } catch (error) {
        cell.textContent = error.message;
      }
    }
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    detail.hidden = !open;
  });
})();
