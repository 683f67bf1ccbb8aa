// revcycle follow-up page: plain JavaScript, no build step, no CDN. It signs in with a bearer
// token (kept in this tab's sessionStorage only) and calls the follow-up API. Every value from
// the API is written as text (never as HTML), so a payer's message cannot inject markup.
"use strict";

const TOKEN_KEY = "revcycle.token";
const view = () => document.getElementById("view");

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const money = (v) => (v === null || v === undefined ? "" : "$" + Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
const text = (v) => (v === null || v === undefined ? "" : String(v));

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (response.status === 401) {
    signOut("Your token was refused or has expired: sign in again.");
    throw new Error("unauthorised");
  }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = body && body.detail ? (body.detail.message || JSON.stringify(body.detail)) : response.statusText;
    throw new Error(detail);
  }
  return body;
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById("nav").hidden = true;
  document.getElementById("sign-in").hidden = false;
  document.getElementById("sign-in-error").textContent = message || "";
  view().replaceChildren();
}

function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { class: x.num ? "num" : null }, x.label || x)))),
    h("tbody", {}, rows));
}

function show(...children) {
  // Views pass lists and optional parts: flatten, and leave out what is absent.
  view().replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

function failure(error) {
  show(h("p", { class: "error", role: "alert" }, `Could not load: ${error.message}`));
}

// --- charts ---------------------------------------------------------------------------------

function barChart(title, bars, { width = 720, format = money, id } = {}) {
  const barHeight = 22, left = 190, max = Math.max(1, ...bars.map((b) => Number(b.value) || 0));
  const height = bars.length * (barHeight + 6) + 26;
  const chart = svg("svg", { width, height, role: "img", "aria-label": title, id: id || null },
    svg("text", { x: 0, y: 14, "font-weight": 600 }, title),
    bars.map((bar, i) => {
      const y = 24 + i * (barHeight + 6);
      const w = ((Number(bar.value) || 0) / max) * (width - left - 110);
      return [
        svg("text", { x: 0, y: y + 15 }, bar.label),
        svg("rect", { x: left, y, width: Math.max(w, 1), height: barHeight, fill: bar.color || "#1f6feb", rx: 3 }),
        svg("text", { x: left + w + 6, y: y + 15 }, bar.value === null ? "n/a" : format(bar.value)),
      ];
    }));
  return h("div", { class: "chart" }, chart);
}

function stackedChart(title, rows, keys, colors, { width = 760 } = {}) {
  const barHeight = 22, left = 120;
  const max = Math.max(1, ...rows.map((r) => keys.reduce((s, k) => s + Number(r.values[k] || 0), 0)));
  const height = rows.length * (barHeight + 6) + 48;
  const chart = svg("svg", { width, height, role: "img", "aria-label": title, id: "aging-chart" },
    svg("text", { x: 0, y: 14, "font-weight": 600 }, title),
    keys.map((k, i) => [
      svg("rect", { x: left + i * 95, y: 22, width: 12, height: 12, fill: colors[i] }),
      svg("text", { x: left + i * 95 + 16, y: 32 }, k),
    ]),
    rows.map((row, i) => {
      const y = 44 + i * (barHeight + 6);
      let x = left;
      const parts = keys.map((k, j) => {
        const w = (Number(row.values[k] || 0) / max) * (width - left - 20);
        const rect = svg("rect", { x, y, width: Math.max(w, 0), height: barHeight, fill: colors[j] });
        x += w;
        return rect;
      });
      return [svg("text", { x: 0, y: y + 15 }, row.label), parts];
    }));
  return h("div", { class: "chart" }, chart);
}

// --- views ----------------------------------------------------------------------------------

async function queuesView() {
  const queues = await api("/v1/queues");
  const rows = queues.map((q) => h("tr", { "data-queue": q.name },
    h("td", {}, h("a", { href: `#/queue/${encodeURIComponent(q.name)}`, class: "queue-link" }, q.name)),
    h("td", { class: "num queue-count" }, q.open),
    h("td", { class: "num" }, money(q.dollars)),
    h("td", { class: "num" }, q.overdue ? h("span", { class: "overdue" }, q.overdue) : "0"),
    h("td", { class: "num" }, q.snoozed),
    h("td", { class: "num" }, q.claimed)));
  const total = queues.reduce((s, q) => s + Number(q.dollars), 0);
  show(
    h("h1", {}, "Work queues"),
    h("div", { class: "cards" },
      h("div", { class: "card" }, h("div", { class: "label" }, "Open items"), h("div", { class: "value", id: "open-total" }, queues.reduce((s, q) => s + q.open, 0))),
      h("div", { class: "card" }, h("div", { class: "label" }, "Dollars at stake"), h("div", { class: "value" }, money(total)))),
    table(["Queue", { label: "Open", num: 1 }, { label: "Dollars", num: 1 }, { label: "Overdue", num: 1 }, { label: "Snoozed", num: 1 }, { label: "Claimed", num: 1 }], rows, { id: "queues" }),
    barChart("Dollars at stake by queue", queues.filter((q) => q.open).map((q) => ({ label: q.name, value: q.dollars })), { id: "queue-chart" }));
}

async function queueView(name, params) {
  const sort = params.get("sort") || "priority";
  const offset = Number(params.get("offset") || 0);
  const page = await api(`/v1/queues/${encodeURIComponent(name)}/items?sort=${sort}&limit=50&offset=${offset}`);
  const rows = page.items.map((item) => h("tr", { "data-item": item.item_id },
    h("td", {}, item.claim_id ? h("a", { href: `#/claim/${encodeURIComponent(item.claim_id)}`, class: "claim-link" }, item.claim_id)
      : item.account_id ? h("a", { href: `#/account/${encodeURIComponent(item.account_id)}` }, item.account_id) : text(item.reference)),
    h("td", {}, text(item.payer_id)),
    h("td", { class: "num" }, money(item.amount_at_stake)),
    h("td", { class: "num" }, money(item.priority)),
    h("td", { class: "num" }, item.age_days),
    h("td", { class: item.days_to_deadline !== null && item.days_to_deadline < 0 ? "overdue" : null }, text(item.deadline)),
    h("td", {}, item.reason),
    h("td", {}, item.claimed_by ? `claimed by ${item.claimed_by}` : item.assignee ? `assigned to ${item.assignee}` : "")));
  const sorter = h("select", { id: "sort", onchange: (e) => { location.hash = `#/queue/${encodeURIComponent(name)}?sort=${e.target.value}`; } },
    ["priority", "amount", "age", "deadline", "opened"].map((s) => h("option", { value: s, selected: s === sort }, `sort by ${s}`)));
  const pager = h("div", { class: "actions" },
    offset > 0 ? h("a", { href: `#/queue/${encodeURIComponent(name)}?sort=${sort}&offset=${Math.max(0, offset - 50)}` }, "previous") : null,
    h("span", { class: "muted" }, `${page.total ? offset + 1 : 0}-${offset + page.items.length} of ${page.total}`),
    page.next_offset !== null ? h("a", { href: `#/queue/${encodeURIComponent(name)}?sort=${sort}&offset=${page.next_offset}` }, "next") : null,
    h("a", { href: `/v1/queues/${encodeURIComponent(name)}/items?format=csv`, onclick: download }, "CSV"),
    h("a", { href: `/v1/queues/${encodeURIComponent(name)}/items?format=xlsx`, onclick: download }, "XLSX"));
  show(h("h1", {}, `Queue ${name}`), h("div", { class: "actions" }, sorter), pager,
    table(["Claim / account", "Payer", { label: "At stake", num: 1 }, { label: "Priority", num: 1 }, { label: "Age (days)", num: 1 }, "Deadline", "Why", "Who"], rows, { id: "items" }));
}

async function download(event) {
  // Exports need the bearer token: fetch them and hand the file to the browser.
  event.preventDefault();
  const href = event.currentTarget.getAttribute("href");
  const response = await fetch(href, { headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` } });
  const blob = await response.blob();
  const link = h("a", { href: URL.createObjectURL(blob), download: href.split("/").pop().split("?")[0] });
  link.click();
}

function itemActions(item, refresh) {
  const status = h("span", { class: "muted", role: "status" });
  const act = async (step, body) => {
    try {
      await api(`/v1/work-items/${encodeURIComponent(item.item_id)}/${step}`, { method: "POST", body: body ? JSON.stringify(body) : undefined });
      status.textContent = `${step}: recorded`;
      await refresh();
    } catch (error) {
      status.textContent = `${step} refused: ${error.message}`;
      status.className = "error";
    }
  };
  const note = h("input", { placeholder: "note", "aria-label": "note", class: "note" });
  const until = h("input", { type: "date", "aria-label": "snooze until", class: "until" });
  const outcome = h("select", { "aria-label": "outcome", class: "outcome" },
    ["corrected", "resubmitted", "appealed", "paid", "written_off", "refunded", "posted", "no_action"].map((o) => h("option", { value: o }, o)));
  return h("div", { class: "actions", "data-item": item.item_id },
    h("span", { class: "pill" }, item.queue), h("span", {}, money(item.amount_at_stake)),
    h("button", { type: "button", class: "claim-item", onclick: () => act("claim") }, "Claim"),
    note, h("button", { type: "button", class: "note-item", onclick: () => act("note", { note: note.value }) }, "Add note"),
    until, h("button", { type: "button", class: "snooze-item", onclick: () => act("snooze", { until: until.value }) }, "Snooze"),
    outcome, h("button", { type: "button", class: "primary resolve-item", onclick: () => act("resolve", { outcome: outcome.value, note: note.value || null }) }, "Resolve"),
    status);
}

async function claimView(claimId) {
  const claim = await api(`/v1/claims/${encodeURIComponent(claimId)}`);
  const b = claim.balance || {};
  const refresh = () => claimView(claimId);
  const appealReason = h("input", { placeholder: "reason for the appeal", "aria-label": "appeal reason", size: 40 });
  const appealStatus = h("span", { role: "status" });
  show(
    h("h1", {}, `Claim ${claim.claim_id}`),
    h("p", {}, h("span", { class: "pill", id: "claim-status" }, claim.status), " ", claim.payer.name, ` (${claim.payer.payer_id}) · account `,
      h("a", { href: `#/account/${encodeURIComponent(claim.account_id)}` }, claim.account_id),
      claim.payer_claim_number ? ` · payer claim ${claim.payer_claim_number}` : ""),
    h("div", { class: "cards" }, [
      ["Charges", b.charges ?? claim.total_charge], ["Payer paid", b.payer_paid], ["Adjustments", b.adjustments],
      ["Patient responsibility", b.patient_responsibility], ["Patient paid", b.patient_paid], ["Written off", b.written_off],
      ["Insurance balance", b.insurance_balance], ["Patient balance", b.patient_balance],
    ].map(([label, value]) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, money(value))))),
    h("h2", {}, "Work"),
    claim.open_items.length ? claim.open_items.map((item) => itemActions(item, refresh)) : h("p", { class: "muted", id: "no-open-items" }, "No open work items."),
    h("div", { class: "actions" }, appealReason,
      h("button", { type: "button", id: "file-appeal", onclick: async () => {
        try {
          const appeal = await api(`/v1/claims/${encodeURIComponent(claimId)}/appeals`, { method: "POST", body: JSON.stringify({ level: 1, reason: appealReason.value || "Please reconsider" }) });
          appealStatus.replaceChildren(`Appeal ${appeal.appeal_id} filed; deadline ${appeal.deadline}. `,
            h("a", { href: appeal.letter, onclick: download }, "letter (PDF)"));
        } catch (error) { appealStatus.textContent = `Appeal refused: ${error.message}`; }
      } }, "File appeal"), appealStatus),
    h("h2", {}, "Lines"),
    table(["#", "Code", "Modifiers", { label: "Units", num: 1 }, { label: "Charge", num: 1 }, "Date of service"],
      claim.lines.map((l) => h("tr", {}, h("td", {}, l.line_number), h("td", {}, text(l.procedure_code || l.revenue_code)), h("td", {}, l.modifiers.join(", ")),
        h("td", { class: "num" }, l.units), h("td", { class: "num" }, money(l.charge)), h("td", {}, text(l.service_date))))),
    h("h2", {}, "Payments"),
    claim.remittances.length ? table(["Remittance", "Event", "Trace", { label: "Paid", num: 1 }, "At"],
      claim.remittances.map((r) => h("tr", {}, h("td", {}, r.remittance_id), h("td", {}, r.event_type), h("td", {}, text(r.trace_number)), h("td", { class: "num" }, money(r.paid)), h("td", {}, r.at))))
      : h("p", { class: "muted" }, `Payer paid ${money(b.payer_paid)}; patient paid ${money(b.patient_paid)}.`),
    h("h2", {}, "Adjustments (CARC) and remarks (RARC)"),
    table(["Group", "Code", "Meaning", "Line", { label: "Amount", num: 1 }],
      claim.adjustments.map((a) => h("tr", {}, h("td", {}, a.group), h("td", {}, a.code), h("td", {}, a.meaning), h("td", {}, text(a.line_number)), h("td", { class: "num" }, money(a.amount)))), { id: "adjustments" }),
    claim.remarks.length ? h("ul", {}, claim.remarks.map((r) => h("li", {}, `${r.code}: ${r.meaning}`))) : null,
    h("h2", {}, "Timeline"),
    table(["#", "When", "Event", "By", "What"], claim.timeline.map((t) => h("tr", {}, h("td", {}, t.version), h("td", {}, t.at), h("td", {}, t.type), h("td", {}, t.producer), h("td", {}, t.summary))), { id: "timeline" }),
    h("h2", {}, "Follow-up history"),
    table(["When", "Step", "By", "What"], claim.work.map((w) => h("tr", {}, h("td", {}, w.at), h("td", {}, w.type), h("td", {}, text(w.by)), h("td", {}, w.summary))), { id: "work-history" }));
}

async function accountView(accountId) {
  const account = await api(`/v1/accounts/${encodeURIComponent(accountId)}`);
  show(
    h("h1", {}, `Account ${account.account_id}`),
    h("div", { class: "cards" }, [
      ["Charges", account.charges], ["Insurance A/R", account.insurance_ar], ["Patient A/R", account.patient_ar],
      ["Payments", account.payments], ["Adjustments", account.adjustments], ["Write-offs", account.write_offs],
      ["Credit", account.credit], ["Balance", account.balance],
    ].map(([label, value]) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, money(value))))),
    h("h2", {}, "Claims"),
    table(["Claim", "Payer", "Status", "Service", { label: "Charges", num: 1 }, { label: "Insurance bal.", num: 1 }, { label: "Patient bal.", num: 1 }],
      account.claims.map((c) => h("tr", {}, h("td", {}, h("a", { href: `#/claim/${encodeURIComponent(c.claim_id)}` }, c.claim_id)), h("td", {}, c.payer_id), h("td", {}, c.status), h("td", {}, text(c.service_date)),
        h("td", { class: "num" }, money(c.charges)), h("td", { class: "num" }, money(c.insurance_balance)), h("td", { class: "num" }, money(c.patient_balance))))));
}

const BUCKETS = ["0-30", "31-60", "61-90", "91-120", "120+"];
const BUCKET_COLORS = ["#2e90fa", "#53b1fd", "#fdb022", "#f79009", "#d92d20"];

async function agingView(params) {
  const basis = params.get("basis") || "service";
  const report = await api(`/v1/reports/aging?basis=${basis}`);
  const rows = [...report.rows, report.total];
  show(
    h("h1", {}, `A/R aging as of ${report.as_of}`),
    h("div", { class: "actions" }, h("a", { href: "#/aging?basis=service" }, "by date of service"), h("a", { href: "#/aging?basis=last_bill" }, "by date of last bill"),
      h("a", { href: `/v1/reports/aging?basis=${basis}&format=csv`, onclick: download }, "CSV"), h("a", { href: `/v1/reports/aging?basis=${basis}&format=xlsx`, onclick: download }, "XLSX")),
    stackedChart(`A/R by age (${basis === "service" ? "date of service" : "date of last bill"})`, report.rows.map((r) => ({ label: r.payer_id, values: r.buckets })), BUCKETS, BUCKET_COLORS),
    table(["Payer", ...BUCKETS.map((b) => ({ label: b, num: 1 })), { label: "Total", num: 1 }, { label: "Claims", num: 1 }],
      rows.map((r) => h("tr", {}, h("td", {}, r.payer_id), BUCKETS.map((b) => h("td", { class: "num" }, money(r.buckets[b]))), h("td", { class: "num" }, money(r.total)), h("td", { class: "num" }, r.claims))), { id: "aging" }),
    h("p", { class: "muted" }, `Credit balances (not in A/R): ${money(report.credits)}`));
}

const KPI_FIELDS = [
  ["days_in_ar", "Days in A/R", (v) => (v === null ? "n/a" : `${v} days`)],
  ["clean_claim_rate", "Clean claim rate", pct], ["first_pass_resolution_rate", "First-pass resolution", pct],
  ["initial_denial_rate", "Initial denial rate", pct], ["initial_denial_rate_dollars", "Denial rate ($)", pct],
  ["denial_overturn_rate", "Denial overturn", pct], ["net_collection_rate", "Net collection rate", pct],
  ["ar_over_90_pct", "A/R over 90 days", pct], ["avg_days_to_payment", "Days to payment", (v) => (v === null ? "n/a" : `${v} days`)],
];
function pct(v) { return v === null ? "n/a" : `${v}%`; }

async function kpiView(params) {
  const to = params.get("to") || new Date().toISOString().slice(0, 10);
  const from = params.get("from") || new Date(Date.now() - 180 * 86400000).toISOString().slice(0, 10);
  const report = await api(`/v1/reports/kpis?from=${from}&to=${to}`);
  const t = report.total;
  show(
    h("h1", {}, `KPIs ${from} to ${to}`),
    h("div", { class: "cards", id: "kpi-cards" }, KPI_FIELDS.map(([key, label, fmt]) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, fmt(t[key]))))),
    barChart("Initial denial rate by payer (%)", report.by_payer.map((r) => ({ label: r.payer_id, value: r.initial_denial_rate, color: "#d92d20" })), { format: pct, id: "denial-chart" }),
    barChart("Net collection rate by payer (%)", report.by_payer.map((r) => ({ label: r.payer_id, value: r.net_collection_rate, color: "#067647" })), { format: pct }),
    barChart("Average days to payment by payer", report.by_payer.map((r) => ({ label: r.payer_id, value: r.avg_days_to_payment, color: "#7a5af8" })), { format: (v) => `${v} days` }),
    h("h2", {}, "By payer and month"),
    h("div", { class: "actions" }, h("a", { href: `/v1/reports/kpis?from=${from}&to=${to}&format=csv`, onclick: download }, "CSV"), h("a", { href: `/v1/reports/kpis?from=${from}&to=${to}&format=xlsx`, onclick: download }, "XLSX")),
    table(["Payer", "Month", ...KPI_FIELDS.map(([, label]) => ({ label, num: 1 }))],
      report.rows.map((r) => h("tr", {}, h("td", {}, r.payer_id), h("td", {}, r.month), KPI_FIELDS.map(([key, , fmt]) => h("td", { class: "num" }, fmt(r[key]))))), { id: "kpis" }));
}

// --- routing --------------------------------------------------------------------------------

async function route() {
  if (!sessionStorage.getItem(TOKEN_KEY)) return signOut();
  document.getElementById("sign-in").hidden = true;
  document.getElementById("nav").hidden = false;
  const [path, query] = (location.hash.slice(1) || "/queues").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "queue") await queueView(parts.slice(1).join("/"), params);
    else if (parts[0] === "claim") await claimView(parts.slice(1).join("/"));
    else if (parts[0] === "account") await accountView(parts.slice(1).join("/"));
    else if (parts[0] === "aging") await agingView(params);
    else if (parts[0] === "kpis") await kpiView(params);
    else await queuesView();
    document.body.dataset.view = parts[0] || "queues";
  } catch (error) {
    if (error.message !== "unauthorised") failure(error);
  }
}

document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
  try {
    await api("/v1/queues");
    const payload = JSON.parse(atob(sessionStorage.getItem(TOKEN_KEY).split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    document.getElementById("who").textContent = `${payload.sub} · ${payload.org}`;
    location.hash = "#/queues";
    await route();
  } catch (error) {
    if (error.message !== "unauthorised") signOut(`Sign-in failed: ${error.message}`);
  }
});
document.getElementById("sign-out").addEventListener("click", () => signOut("Signed out."));
document.getElementById("account-search").addEventListener("submit", (event) => {
  event.preventDefault();
  location.hash = `#/account/${encodeURIComponent(document.getElementById("account-id").value.trim())}`;
});
window.addEventListener("hashchange", route);
route();
