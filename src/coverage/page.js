// Renders the coverage matrix from the embedded data (gzipped JSON, base64). No network.
"use strict";
const STATES = ["captured", "captured_late", "changed", "not_found", "not_walked", "not_yet_due"];
const MARK = { not_found: "–", not_walked: "?", not_yet_due: "…" };
const RULES = ["department: 31 January", "government: 31 March"];

function esc(s) {
  return String(s == null ? "" : s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

async function load() {
  const b64 = document.getElementById("data").textContent.trim();
  const bin = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const stream = new Blob([bin]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

function replay(d, v) {
  return d.rp ? d.rp + v[3] + "id_/" + v[2] : null;
}

function cellHtml(d, cell, notes) {
  const state = STATES[cell[0]];
  const note = notes[cell[1]];
  if (cell.length < 3) {
    return `<td><span class="c s-${state}" data-state="${state}" title="${esc(note)}">${MARK[state]}</span></td>`;
  }
  const reports = cell[2];
  let inner = "";
  if (state === "changed") {
    const parts = [];
    for (const r of reports) {
      for (const v of r[1]) {
        const rp = replay(d, v);
        parts.push(`<a class="raw" href="${esc(d.rb + v[1])}" title="version ${v[0]}, fetched ${v[3]}: raw file">v${v[0]}</a>` +
          (rp ? `<a class="rp" href="${esc(rp)}" title="version ${v[0]} in pywb">↺</a>` : ""));
      }
    }
    inner = parts.join(" ");
  } else {
    inner = reports.map(r => {
      const v = r[1][r[1].length - 1];
      const rp = replay(d, v);
      const label = state === "captured_late" ? "late " + r[0] : r[0];
      return `<a class="raw" href="${esc(d.rb + v[1])}" title="raw file">${esc(label)}</a>` +
        (rp ? `<a class="rp" href="${esc(rp)}" title="replay in pywb">↺</a>` : "");
    }).join(" ");
  }
  const gone = cell[3];
  if (gone) {
    const why = `withdrawn since ${gone[0]} (${gone[1]})`;
    return `<td><span class="c s-${state} withdrawn" data-state="${state}" title="${esc(note + "; " + why)}">${inner}<span class="wd" title="${esc(why)}">⊘</span></span></td>`;
  }
  const off = cell[4];
  if (off) {
    const why = `delisted since ${off}: no longer on its list, still served`;
    return `<td><span class="c s-${state} delisted" data-state="${state}" title="${esc(note + "; " + why)}">${inner}<span class="dl" title="${esc(why)}">↧</span></span></td>`;
  }
  return `<td><span class="c s-${state}" data-state="${state}" title="${esc(note)}">${inner}</span></td>`;
}

function portalHtml(d, p) {
  const [name, url, lastRun, lastOk, walkNow, lists, trouble, failures, health, notes, rows, marks] = p;
  const states = new Set();
  const body = rows.map(row => {
    const cells = row[3].map(c => {
      states.add(STATES[c[0]]);
      if (c[3]) states.add("withdrawn");
      if (c[4]) states.add("delisted");
      return cellHtml(d, c, notes);
    }).join("");
    const also = row[4].length ? " · also named " + row[4].join(", ") : "";
    const more = row[4].length ? ` <span class="also">(+${row[4].length})</span>` : "";
    return `<tr class="body"><th title="${esc(row[0] + also + " · " + RULES[row[1]] + " (" + row[2] + ")")}">${esc(row[0])}${more}</th>${cells}</tr>`;
  }).join("");
  const badges = [];
  if (walkNow) { badges.push(`<span class="badge bad">${esc(walkNow.toUpperCase())}</span>`); states.add("blocked"); }
  if (health.length) { badges.push(`<span class="badge health">health: ${health.length}</span>`); states.add("health"); }
  badges.push(`<span class="badge ok">last successful run: ${esc(lastOk || "none")}</span>`);
  if (marks) badges.push(`<span class="badge marks" title="${esc(marks)}">${marks.includes("unknown") ? "withdrawn / delisted: unknown" : "withdrawn / delisted: cut short"}</span>`);
  const li = xs => xs.length ? "<ul>" + xs.map(x => `<li>${esc(x)}</li>`).join("") + "</ul>" : "<ul><li>none</li></ul>";
  const details = `<details><summary>details</summary>` +
    `<div>section: ${esc(url || "not configured")}</div><div>last run: ${esc(lastRun || "never")}</div>` +
    `<div>lists (ledger of the last run):</div>` + li(lists.map(l => `list ${l[0]}: ${l[1]}`)) +
    `<div>blocked / unreachable:</div>` + li(trouble) +
    `<div>failures by kind (last run):</div>` + li(failures.map(f => `${f[0]}: ${f[1]}`)) +
    `<div>health:</div>` + li(health) + (marks ? `<div>${esc(marks)}</div>` : "") + `</details>`;
  const filterText = (name + " " + rows.map(r => [r[0]].concat(r[4]).join(" ")).join(" ")).toLowerCase();
  const stateText = Array.from(states).join(" ");
  return `<tbody data-f="${esc(filterText)}" data-s="${esc(stateText)}"><tr class="portal"><th colspan="${d.y.length + 1}">` +
    `${esc(name)}${badges.join("")}${details}</th></tr>${body}</tbody>`;
}

function applyFilter(q) {
  const words = q.trim().toLowerCase().split(/\s+/).filter(w => w);
  let shown = 0;
  const bodies = document.querySelectorAll("#matrix tbody");
  for (const tb of bodies) {
    const ok = words.every(w => w.startsWith("is:")
      ? (" " + tb.dataset.s + " ").includes(" " + (w.slice(3) === "late" ? "captured_late" : w.slice(3)) + " ")
      : tb.dataset.f.includes(w));
    tb.hidden = !ok;
    if (ok) shown++;
  }
  document.getElementById("count").textContent = `${shown} of ${bodies.length} portals shown`;
}

function fromHash() {
  const m = /(?:^#|&)filter=([^&]*)/.exec(location.hash);
  if (!m) return "";
  const text = m[1].replace(/\+/g, " ");
  // A hand-typed `%` that starts no escape (`#filter=100%`) must not stop the page: taken as typed.
  try { return decodeURIComponent(text); } catch (e) { return text; }
}

load().then(d => {
  const head = `<thead><tr><th>portal / issuing body</th>${d.y.map(y => `<th>${y}</th>`).join("")}</tr></thead>`;
  document.getElementById("matrix").innerHTML = `<table>${head}${d.p.map(p => portalHtml(d, p)).join("")}</table>`;
  const input = document.getElementById("filter");
  input.value = fromHash();
  applyFilter(input.value);
  input.addEventListener("input", () => {
    applyFilter(input.value);
    history.replaceState(null, "", "#filter=" + encodeURIComponent(input.value));
  });
  window.addEventListener("hashchange", () => { input.value = fromHash(); applyFilter(input.value); });
  document.body.dataset.ready = "1";
}).catch(e => {
  document.getElementById("matrix").textContent = "The coverage data could not be read: " + e;
});
