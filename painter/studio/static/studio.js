// painter studio: the page, on the studio's own HTTP API (see painter/studio/__init__.py).
"use strict";
const $ = (id) => document.getElementById(id);
// the token came in the URL the studio opened; the cookie it set carries it from now on:
// take it out of the address bar (and so of the history and of bookmarks)
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);
const state = { photo: null, painting: null, style: "none", mode: "paint", job: null, source: null, thumbs: null };

async function api(path, options) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
  return body;
}

function say(text) { $("message").textContent = text || ""; }

function fmtTime(s) {
  if (s == null || !isFinite(s)) return "";
  s = Math.round(s);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s left` : `${s} s left`;
}

// -- choosing ------------------------------------------------------------------------
function pick(file, which) {
  if (!file) return;
  if (!file.type.startsWith("image/")) { say(`${file.name} is not an image`); return; }
  say("");
  if (which === "photo") {
    state.photo = file;
    const img = $("photo-preview");
    img.src = URL.createObjectURL(file);
    img.hidden = false;
    $("drop").classList.add("has-photo");
    thumbnails(file);
  } else {
    state.painting = file;
    $("painting-label").textContent = `Style of ${file.name} (click a preset to go back)`;
    $("painting-drop").classList.add("active");
    document.querySelectorAll(".style").forEach((b) => b.classList.remove("active"));
  }
  $("go").disabled = !state.photo;
}

function dropTarget(el, which, input) {
  el.addEventListener("click", () => input.click());
  el.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") input.click(); });
  input.addEventListener("click", (e) => e.stopPropagation());
  input.addEventListener("change", () => pick(input.files[0], which));
  el.addEventListener("dragover", (e) => { e.preventDefault(); el.classList.add("over"); });
  el.addEventListener("dragleave", () => el.classList.remove("over"));
  el.addEventListener("drop", (e) => {
    e.preventDefault(); el.classList.remove("over"); pick(e.dataTransfer.files[0], which);
  });
}

async function loadStyles() {
  const { styles } = await api("/api/styles");
  const box = $("styles");
  for (const s of styles) {
    const b = document.createElement("button");
    b.className = "style" + (s.name === state.style ? " active" : "");
    b.dataset.style = s.name;
    b.title = s.description;
    b.innerHTML = `<span class="thumb"></span><b></b><small></small>`;
    b.querySelector("b").textContent = s.name.replace(/_/g, " ");
    b.querySelector("small").textContent = s.description;
    b.addEventListener("click", () => {
      state.style = s.name; state.painting = null;
      $("painting-drop").classList.remove("active");
      $("painting-label").textContent = "…or drop a painting to take its style from";
      document.querySelectorAll(".style").forEach((x) => x.classList.toggle("active", x === b));
    });
    box.appendChild(b);
  }
}

function setMode(mode) {
  state.mode = mode;
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.dataset.mode === mode));
  $("paint-options").hidden = mode !== "paint";
  $("trace-options").hidden = mode !== "trace";
  $("go").textContent = mode === "paint" ? "Paint it" : "Trace it";
}

// each preset's card shows the photo painted small in it, as the thumbnails come in
async function thumbnails(file) {
  if (state.thumbs) state.thumbs.close();
  $("styles").classList.add("with-thumbs");
  document.querySelectorAll(".style .thumb").forEach((t) => { t.style.backgroundImage = ""; t.classList.add("waiting"); });
  const form = new FormData();
  form.append("image", file);
  form.append("mode", "styles");
  let id;
  try { ({ id } = await api("/api/jobs", { method: "POST", body: form })); } catch (e) { return; }
  const names = [...document.querySelectorAll(".style")].map((b) => b.dataset.style);
  const source = new EventSource(`/api/jobs/${id}/events`);
  state.thumbs = source;
  source.addEventListener("job", (e) => {
    const job = JSON.parse(e.data);
    for (const name of names.slice(0, job.preview || 0)) {
      const t = document.querySelector(`.style[data-style="${name}"] .thumb`);
      if (t && t.classList.contains("waiting")) {
        t.style.backgroundImage = `url(/api/jobs/${id}/thumbs/${name}.png)`;
        t.classList.remove("waiting");
      }
    }
    if (["done", "failed", "cancelled"].includes(job.state)) {  // a painting started: the rest stay plain
      source.close();
      document.querySelectorAll(".style .thumb.waiting").forEach((t) => t.classList.remove("waiting"));
    }
  });
}

// -- a job ----------------------------------------------------------------------------
async function start() {
  const form = new FormData();
  form.append("image", state.photo);
  form.append("mode", state.mode);
  if (state.mode === "paint") {
    if (state.painting) form.append("style_image", state.painting);
    else form.append("style", state.style);
    for (const k of ["strokes", "size", "steps", "seed", "material"]) if ($(k).value !== "") form.append(k, $(k).value);
  } else {
    form.append("colors", $("colors").value);
  }
  $("go").disabled = true;
  say("");
  try {
    const { id } = await api("/api/jobs", { method: "POST", body: form });
    watch(id);
    refreshJobs();
  } catch (e) {
    say(e.message);
  } finally {
    $("go").disabled = !state.photo;
  }
}

function watch(id) {
  if (state.source) state.source.close();
  state.job = id;
  state.shown = null;
  $("downloads").hidden = true;
  $("downloads").innerHTML = "";
  const source = new EventSource(`/api/jobs/${id}/events`);
  state.source = source;
  source.addEventListener("job", (e) => show(JSON.parse(e.data)));
  source.onerror = () => {  // refused (a busy studio answers 503): follow the job by asking for it instead
    if (source.readyState !== EventSource.CLOSED || state.source !== source) return;
    state.source = null;
    poll(id);
  };
}

async function poll(id) {
  while (state.job === id && !state.source) {
    try {
      const job = await api(`/api/jobs/${id}`);
      show(job);
      if (!["queued", "running"].includes(job.state)) return;
    } catch (e) { say(e.message); }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function show(job) {
  if (job.id !== state.job) return;
  if (job.state !== state.shown) { state.shown = job.state; refreshJobs().catch(() => {}); }  // the list follows
  const running = job.state === "queued" || job.state === "running";
  const pct = job.state === "done" ? 100 : job.steps ? (100 * job.step) / job.steps : 0;
  $("bar-fill").style.width = `${pct}%`;
  const stage = { queued: "waiting for a free worker…", done: "done", failed: `failed: ${job.error}`,
    cancelled: "cancelled" }[job.state] || job.stage || "starting";
  $("stage").textContent = stage;
  const parts = [];
  if (job.steps && running) parts.push(`step ${job.step} of ${job.steps}`);
  if (job.loss != null && job.mode === "paint") parts.push(`loss ${job.loss.toFixed(4)}`);
  if (running) parts.push(fmtTime(job.eta));
  $("numbers").textContent = parts.filter(Boolean).join(" · ");
  if (job.preview) {  // the canvas as it grows; once done, the painting at full size in its material
    const img = $("canvas");
    img.src = job.state === "done" ? `/api/jobs/${job.id}/result.png` : `/api/jobs/${job.id}/preview.png?v=${job.preview}`;
    img.hidden = false;
    $("canvas-empty").hidden = true;
  }
  $("cancel").hidden = !running;
  if (job.state === "done") {
    const box = $("downloads");
    box.innerHTML = "";
    const names = { svg: "SVG", png: "PNG", json: "Strokes (JSON)", gif: "GIF", mp4: "MP4", "animated.svg": "Animated SVG" };
    for (const kind of job.results) {
      const a = document.createElement("a");
      a.href = `/api/jobs/${job.id}/result.${kind}`;
      a.textContent = names[kind] || kind;
      a.setAttribute("download", "");
      box.appendChild(a);
    }
    box.hidden = false;
  }
  if (!running && state.source) { state.source.close(); state.source = null; }
}

async function refreshJobs() {
  const { jobs } = await api("/api/jobs");
  const list = $("jobs");
  list.innerHTML = "";
  if (!jobs.length) { list.innerHTML = `<li class="empty">Nothing yet: your paintings stay here until you delete them.</li>`; return; }
  for (const job of jobs) {
    const li = document.createElement("li");
    li.dataset.id = job.id;
    const img = job.preview ? `<img src="/api/jobs/${job.id}/preview.png?v=${job.preview}" alt="">` : `<img alt="">`;
    li.innerHTML = `${img}<div class="meta"><b></b><span class="state ${job.state}"></span></div>` +
      `<button class="delete" title="${job.state === "done" || job.state === "failed" || job.state === "cancelled" ? "Delete" : "Cancel"}">✕</button>`;
    li.querySelector("b").textContent = `${job.name} · ${job.mode === "trace" ? "traced" : (job.options.style === "@image" ? "own painting" : job.options.style.replace(/_/g, " "))}`;
    li.querySelector(".state").textContent = job.state === "running" ? `painting… ${job.step}/${job.steps}` : job.state;
    li.addEventListener("click", () => { watch(job.id); });
    li.querySelector(".delete").addEventListener("click", async (e) => {
      e.stopPropagation();
      try { await api(`/api/jobs/${job.id}`, { method: "DELETE" }); } catch (err) { say(err.message); }
      refreshJobs();
    });
    list.appendChild(li);
  }
}

// -- wiring ---------------------------------------------------------------------------
dropTarget($("drop"), "photo", $("photo"));
dropTarget($("painting-drop"), "painting", $("painting"));
document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => setMode(t.dataset.mode)));
$("go").addEventListener("click", start);
$("cancel").addEventListener("click", async () => {
  if (state.job) { try { await api(`/api/jobs/${state.job}`, { method: "DELETE" }); } catch (e) { say(e.message); } }
});
loadStyles().catch((e) => say(e.message));
refreshJobs().catch((e) => say(e.message));
