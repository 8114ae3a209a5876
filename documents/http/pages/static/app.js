// Small helpers of the edochub pages: progress polling, the clerk's exchange button and
// signing with the leader's token through the local sign-agent. No framework, no build.
"use strict";

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept": "application/json",
              "X-CSRF-Token": csrfToken()},
    body: JSON.stringify(body || {}),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = {detail: response.statusText}; }
  if (!response.ok) { throw new Error(data.detail || response.statusText); }
  return data;
}

// <div class="progress-box" data-progress-url=...>: poll until every part is done
function watchProgress(box) {
  const bar = box.querySelector("progress");
  const text = box.querySelector(".progress-text");
  const template = box.dataset.template;
  async function tick() {
    const response = await fetch(box.dataset.progressUrl, {credentials: "same-origin"});
    if (!response.ok) { return; }
    const p = await response.json();
    bar.max = p.total; bar.value = p.done;
    text.textContent = template.replace("{done}", p.done).replace("{total}", p.total);
    if (p.state === "failed") { text.textContent += " — " + (p.error || ""); return; }
    if (p.done < p.total || p.state === "running") { setTimeout(tick, 700); }
    else if (box.dataset.reload) { window.location.reload(); }
  }
  tick();
}

async function runExchange(button) {
  const out = document.getElementById("exchange-result");
  button.disabled = true;
  out.textContent = "…";
  try {
    const result = await postJson(button.dataset.url);
    out.textContent = result.message;
    setTimeout(() => window.location.reload(), 800);
  } catch (e) {
    out.textContent = e.message;
  } finally {
    button.disabled = false;
  }
}

// Split signing: the hub prepares, the sign-agent on this PC shows the document on its own
// page and signs with the token once the leader confirms there (with the PIN), the hub
// embeds. This page only carries the request there and the signature back: it cannot sign.
async function agentJson(response) {
  let data = {};
  try { data = await response.json(); } catch (e) { data = {detail: response.statusText}; }
  if (!response.ok) { throw new Error(data.detail || response.statusText); }
  return data;
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

async function signWithToken(box) {
  const status = box.querySelector(".token-status");
  const confirmLink = box.querySelector(".agent-confirm");
  const agent = box.querySelector("input").value.replace(/\/+$/, "");
  status.textContent = status.dataset.working;
  confirmLink.hidden = true;
  let certificate;
  try {
    certificate = await agentJson(await fetch(agent + "/certificate"));
  } catch (e) {
    status.textContent = status.dataset.unreachable.replace("{url}", agent) + " " + e.message;
    return;
  }
  try {
    const prepared = await postJson(box.dataset.prepare, certificate);
    const asked = await agentJson(await fetch(agent + "/requests", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({request: prepared.request, pdf: prepared.pdf,
                            document: prepared.document}),
    }));
    confirmLink.href = asked.confirm;
    confirmLink.hidden = false;
    status.textContent = status.dataset.confirm;
    for (;;) {
      await sleep(1000);
      const answer = await agentJson(await fetch(agent + "/requests/" + asked.id, {
        headers: {"X-Pairing": asked.pairing}}));
      if (answer.state === "refused") { throw new Error(status.dataset.refused); }
      if (answer.state === "signed") {
        confirmLink.hidden = true;
        status.textContent = status.dataset.working;
        const done = await postJson(box.dataset.complete,
                                    {pending: prepared.pending, signature: answer.signature});
        window.location.assign(done.next);
        return;
      }
    }
  } catch (e) {
    confirmLink.hidden = true;
    status.textContent = e.message;
  }
}

// Remote signing: the page stays while the service signs (or waits for the leader's
// confirmation on their phone) and says so; then it shows the signed document, or the reason
// of a refusal with the PIN fields emptied. Without scripts the form posts as any other.
function watchRemoteSign(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector(".remote-status");
    const button = form.querySelector("button[type=submit]");
    status.textContent = status.dataset.working;
    button.disabled = true;
    try {
      const answer = await fetch(form.action, {method: "POST", body: new FormData(form),
                                               headers: {"Accept": "application/json"}});
      const body = await answer.json();
      if (!answer.ok) { throw new Error(body.detail); }
      window.location.assign(body.next);
    } catch (e) {
      status.textContent = e.message;
      form.querySelectorAll("input[name=pin], input[name=otp]").forEach((i) => { i.value = ""; });
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.remote-sign").forEach(watchRemoteSign);
  document.querySelectorAll(".progress-box[data-progress-url]").forEach(watchProgress);
  document.querySelectorAll("a.go-back").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (window.history.length > 1) { event.preventDefault(); window.history.back(); }
    });
  });
  const exchange = document.getElementById("exchange");
  if (exchange) { exchange.addEventListener("click", () => runExchange(exchange)); }
  document.querySelectorAll(".token-sign").forEach((box) => {
    box.querySelector(".sign-token").addEventListener("click", () => signWithToken(box));
  });
});
