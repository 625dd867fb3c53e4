// The agent console page: plain JS, no build step.
// Every text that comes from users, agents or the API is put on the page with textContent
// (through el() below), never as HTML, so a message like <img onerror=…> is shown, not run.
"use strict";

(function () {
  const TOKEN_KEY = "console.token";
  // Reopening a stream the browser gave up on: 3 s (the server's own retry), doubling to 15 s.
  const RECONNECT_FIRST_MS = 3000;
  const RECONNECT_MAX_MS = 15000;

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    me: null,
    overview: null,
    fetchedAt: 0,
    selected: null,
    detail: null,
    source: null,
    streamOpened: false,
    reconnectTimer: null,
    reconnectDelay: 0,
    refreshTimer: null,
    warnedText: null,
    analyticsRequest: 0,
    ticket: null,  // the ticket open in the tickets view
    inboxGroups: [],  // the inbox view's groups, and the one open
    inboxGroup: null,
    // What to show for each identifier, by kind: GET /api/labels (data/service/labels.yml).
    labels: {},
  };

  // ---- small helpers -------------------------------------------------------------------
  const $ = (selector) => document.querySelector(selector);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // "zh en" for an identifier, or null when it has no label.
  function labelled(kind, value) {
    const table = state.labels[kind];
    // Own keys only: an identifier such as "constructor" must not find Object's.
    const found = table && Object.prototype.hasOwnProperty.call(table, value) ? table[value] : null;
    return found ? found.zh + " " + found.en : null;
  }

  function label(kind, value) {
    return labelled(kind, value) || String(value || "—");
  }

  // A signal is "<kind>:<what was seen>" (e.g. "word:又是") or just "<kind>".
  function signalLabel(signal) {
    const cut = signal.indexOf(":");
    const kind = cut < 0 ? signal : signal.slice(0, cut);
    const name = labelled("signal", kind);
    if (!name) return signal;
    return cut < 0 ? name : name + ": " + signal.slice(cut + 1);
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds || 0));
    if (s < 60) return s + "秒 s";
    if (s < 3600) return Math.floor(s / 60) + "分" + String(s % 60).padStart(2, "0") + "秒";
    return Math.floor(s / 3600) + "时" + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "分";
  }

  function clock(epoch) {
    return epoch ? new Date(epoch * 1000).toLocaleString() : "—";
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function notify(text, kind) {
    const bar = $("#message-bar");
    bar.textContent = text;
    bar.className = kind || "error";
    show(bar, true);
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => show(bar, false), 6000);
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = {};
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.status === 401 && path !== "/api/login") {
      endSession("登录已过期,请重新登录 Session expired, please log in again");
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.error) || response.statusText);
    return data;
  }

  function failed(error) {
    if (error instanceof ApiError && error.status === 401) return;
    notify((error && error.message) || String(error));
  }

  // ---- session -------------------------------------------------------------------------
  async function logIn(event) {
    event.preventDefault();
    const errorBox = $("#login-error");
    show(errorBox, false);
    try {
      const data = await api("POST", "/api/login", {
        username: $("#login-username").value,
        password: $("#login-password").value,
      });
      state.token = data.token;
      sessionStorage.setItem(TOKEN_KEY, data.token);
      $("#login-password").value = "";
      await start();
    } catch (error) {
      errorBox.textContent = error.status === 401 ? "用户名或密码错误 Wrong username or password" : error.message;
      show(errorBox, true);
    }
  }

  async function logOut() {
    try {
      await api("POST", "/api/logout");
    } catch (error) {
      /* the session is ended locally either way */
    }
    endSession();
  }

  function endSession(message) {
    state.token = null;
    state.me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (state.source) state.source.close();
    state.source = null;
    state.streamOpened = false;
    clearTimeout(state.reconnectTimer);
    clearInterval(state.refreshTimer);
    show($("#login-view"), true);
    show($("#desk-view"), false);
    show($("#stats-view"), false);
    show($("#analytics-view"), false);
    show($("#tab-analytics"), false);
    show($("#tab-inbox"), false);
    show($("#tabs"), false);
    show($("#whoami"), false);
    clearAnalytics();
    if (message) notify(message);
  }

  async function loadLabels() {
    try {
      state.labels = await api("GET", "/api/labels");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) throw error;  // the session is over
      state.labels = {};  // the page then shows the identifiers themselves
      failed(error);
    }
  }

  async function start() {
    state.me = await api("GET", "/api/me");
    await loadLabels();
    $("#me-name").textContent = state.me.display_name || state.me.username;
    $("#me-role").textContent = label("user_role", state.me.role);
    renderMyLanguages();
    show($("#login-view"), false);
    show($("#tabs"), true);
    show($("#whoami"), true);
    show($("#tab-analytics"), state.me.role === "supervisor");
    show($("#tab-inbox"), state.me.role === "supervisor" || state.me.role === "editor");
    switchView("desk-view");
    await Promise.all([loadQueue(), loadSupervisors()]);
    connectStream();
    clearInterval(state.refreshTimer);
    state.refreshTimer = setInterval(tickWaits, 1000);
  }

  function switchView(id) {
    for (const view of document.querySelectorAll(".view")) show(view, view.id === id);
    for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("active", tab.dataset.view === id);
    if (id === "stats-view") loadStats().catch(failed);
    if (id === "analytics-view") loadAnalytics().catch(failed);
    if (id === "tickets-view") loadTickets().catch(failed);
    if (id === "inbox-view") {
      loadInbox().catch(failed);
      loadPublish().catch(failed);
    }
  }

  // ---- live updates --------------------------------------------------------------------
  function connectStream() {
    if (state.source) state.source.close();
    clearTimeout(state.reconnectTimer);
    const source = new EventSource("/api/stream?token=" + encodeURIComponent(state.token));
    state.source = source;
    const live = $("#live-status");
    source.onopen = () => {
      live.classList.replace("off", "on");
      state.reconnectDelay = RECONNECT_FIRST_MS;
      // A reopened stream may have missed changes (a new EventSource has no Last-Event-ID):
      // fetch the queue and the open conversation once.
      if (state.streamOpened) {
        scheduleQueueReload();
        if (state.selected) scheduleDetailReload();
      }
      state.streamOpened = true;
    };
    source.onerror = () => {
      live.classList.replace("on", "off");
      // CONNECTING: the browser reconnects by itself. CLOSED: it gave up (a 401, or a proxy's
      // 502 while the console restarts), so we reopen it ourselves.
      if (source.readyState === EventSource.CLOSED) reopenLater(source);
    };
    const onChange = (event) => {
      let data = {};
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        data = {};
      }
      scheduleQueueReload();
      if (state.selected && data.handoff_id === state.selected) scheduleDetailReload();
    };
    for (const kind of ["handoff_opened", "handoff_claimed", "handoff_transferred", "handoff_resolved", "message"]) {
      source.addEventListener(kind, onChange);
    }
    const onTicket = (event) => {
      let data = {};
      try {
        data = JSON.parse(event.data);
      } catch (error) {
        data = {};
      }
      remindMe(data);
      if ($("#tickets-view").hidden) return;
      debouncedTickets();
      if (state.ticket && data.ticket_id === state.ticket) openTicket(state.ticket).catch(failedInBackground);
    };
    for (const kind of ["ticket_status", "ticket_assigned", "ticket_note", "ticket_reminded", "ticket_escalated", "ticket_return_visit"]) {
      source.addEventListener(kind, onTicket);
    }
    source.addEventListener("unauthorized", () => endSession("登录已过期,请重新登录 Session expired, please log in again"));
  }

  function reopenLater(source) {
    if (state.source !== source || !state.token) return;
    const delay = state.reconnectDelay || RECONNECT_FIRST_MS;
    state.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(() => {
      if (state.source !== source || !state.token) return;
      // Still logged in? A 401 ends the session (in api()); an unreachable console is tried again.
      api("GET", "/api/me").then(connectStream, (error) => {
        if (!(error instanceof ApiError && error.status === 401)) reopenLater(source);
      });
    }, delay);
  }

  // A refresh the page started by itself that cannot reach the console (it is restarting) is
  // not shown as an error: the live dot is off already, and the page refreshes on reconnect.
  function failedInBackground(error) {
    if (error instanceof ApiError) failed(error);
  }

  function debounce(fn, ms) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(() => fn().catch(failedInBackground), ms);
    };
  }
  const scheduleQueueReload = debounce(() => loadQueue(), 150);
  const scheduleDetailReload = debounce(() => loadDetail(state.selected), 150);

  // ---- the queue -----------------------------------------------------------------------
  async function loadQueue() {
    state.overview = await api("GET", "/api/handoffs");
    state.fetchedAt = Date.now();
    renderList("#queue-list", "#queue-count", state.overview.queue, "queue-item");
    const hidden = state.overview.not_offered || 0;
    $("#queue-not-offered").textContent = hidden + " 个在等会说其他语言的同事 · " + hidden + " waiting for colleagues who speak other languages";
    show($("#queue-not-offered"), hidden > 0);
    renderList("#mine-list", "#mine-count", state.overview.mine, "mine-item");
    const team = state.overview.team;
    show($("#team-section"), Array.isArray(team));
    if (Array.isArray(team)) renderList("#team-list", "#team-count", team, "team-item");
  }

  function renderList(listSelector, countSelector, items, testid) {
    const list = $(listSelector);
    $(countSelector).textContent = String(items.length);
    list.replaceChildren(
      ...items.map((item) =>
        el(
          "li",
          {
            className: "handoff" + (item.handoff_id === state.selected ? " selected" : "")
              + (item.routing && !item.routing.offered ? " not-offered" : ""),
            dataset: { testid, handoffId: item.handoff_id },
            tabindex: "0",
            onclick: () => select(item.handoff_id),
            onkeydown: (event) => { if (event.key === "Enter") select(item.handoff_id); },
          },
          el("div", { className: "line" },
            el("span", { className: "badge priority-" + item.priority, dataset: { testid: "priority-badge" }, text: label("priority", item.priority) }),
            ...(item.priority_reasons || []).map((code) =>
              el("span", { className: "badge reason-code", dataset: { testid: "priority-reason" }, text: label("priority_reason", code) })),
            item.vip_tier ? el("span", { className: "badge vip", text: "VIP " + item.vip_tier }) : null,
            el("span", { className: "channel", text: item.channel }),
            el("span", { className: "wait", dataset: { testid: "queue-wait", wait: item.wait_seconds, status: item.status }, text: duration(item.wait_seconds) }),
          ),
          el("div", { className: "reason", text: label("reason", item.reason) + (item.agent && testid !== "queue-item" ? " · " + item.agent : "") }),
          el("div", { className: "summary", text: item.summary }),
          item.routing ? el("div", { className: "routing", dataset: { testid: "queue-routing", reason: item.routing.reason }, text: routingText(item.routing) }) : null,
        ),
      ),
    );
  }

  // Why a waiting handoff is (or is not yet) in my queue.
  function routingText(routing) {
    let text = label("routing", routing.reason) + " · " + label("language", routing.language);
    if (!routing.offered) text += " · " + clock(routing.open_to_all_at) + " 起向所有人开放 open to all";
    return text;
  }

  function renderMyLanguages() {
    const codes = state.me.languages || [];
    $("#my-languages").textContent = codes.length ? codes.map((code) => label("language", code)).join(", ") : label("language", "zh");
  }

  async function editLanguages() {
    const answer = window.prompt("我会说的语言 Languages I speak (zh, en)", (state.me.languages || []).join(",") || "zh");
    if (answer === null) return;
    const languages = answer.split(",").map((code) => code.trim().toLowerCase()).filter(Boolean);
    state.me = await api("PUT", "/api/agents/" + encodeURIComponent(state.me.username) + "/languages", { languages });
    renderMyLanguages();
    await loadQueue();
  }

  function tickWaits() {
    const elapsed = (Date.now() - state.fetchedAt) / 1000;
    for (const node of document.querySelectorAll("#queue-list [data-testid=queue-wait]")) {
      node.textContent = duration(Number(node.dataset.wait) + elapsed);
    }
  }

  // ---- one conversation ----------------------------------------------------------------
  async function select(handoffId) {
    state.selected = handoffId;
    for (const node of document.querySelectorAll(".handoff")) node.classList.toggle("selected", node.dataset.handoffId === handoffId);
    clearWarnings();
    $("#reply-text").value = "";
    $("#note-text").value = "";
    await loadDetail(handoffId).catch(failed);
  }

  async function loadDetail(handoffId) {
    if (!handoffId) return;
    const detail = await api("GET", "/api/handoffs/" + encodeURIComponent(handoffId));
    if (handoffId !== state.selected) return;
    state.detail = detail;
    renderDetail(detail);
  }

  function renderDetail(detail) {
    const record = detail.handoff;
    const can = detail.permissions;
    show($("#conversation-empty"), false);
    show($("#conversation-body"), true);
    show($("#record-panel"), true);
    $("#handoff-title").textContent = label("category", record.category) + " · " + record.channel + " · " + record.conversation_id;
    $("#handoff-status").textContent = label("handoff_status", record.status) + (record.agent ? " · " + record.agent : "");
    show($("#claim"), can.claim);
    show($("#reply-box"), can.reply);
    show($("#transfer-box"), can.transfer);
    show($("#resolve-box"), can.resolve);
    show($("#note-box"), record.status !== "resolved");

    const transcript = $("#transcript");
    transcript.replaceChildren(
      ...detail.transcript.map((turn) =>
        el("li", { className: "turn role-" + turn.role, dataset: { testid: "transcript-turn", role: turn.role } },
          el("div", { className: "who", text: label("role", turn.role) + (turn.agent ? " · " + turn.agent : "") + " · " + clock(turn.at) }),
          el("div", { className: "text", text: turn.text }),
        ),
      ),
    );
    transcript.scrollTop = transcript.scrollHeight;
    renderRecord(record, detail);
    renderSuggestions(detail.suggestions);
  }

  function renderRecord(record, detail) {
    const alerts = $("#customer-alerts");
    alerts.replaceChildren(
      ...detail.alerts.map((alert) => {
        if (alert.type === "repeat_complaints") {
          return el("li", { className: "alert danger", dataset: { testid: "repeat-complaints" },
            text: "该用户" + alert.days + "天内投诉" + alert.count + "次 · " + alert.count + " complaints in " + alert.days + " days" });
        }
        if (alert.type === "vip") return el("li", { className: "alert vip", text: "VIP客户 VIP customer: " + alert.tier });
        return el("li", { className: "alert", text: alert.type });
      }),
    );

    const fields = [
      ["类别 Category", label("category", record.category)],
      ["优先级 Priority", label("priority", record.priority)],
      ["优先级依据 Why", (record.priority_reasons || []).map((code) => label("priority_reason", code)).join(", ") || "—"],
      ["转人工原因 Reason", label("reason", record.reason)],
      ["触发信号 Signals", (record.signals || []).map(signalLabel).join(", ") || "—"],
      ["情绪 Emotion", record.emotion && record.emotion.label
        ? label("emotion", record.emotion.label) + " " + Math.round((record.emotion.score || 0) * 100) + "%" : "—"],
      ["意图 Top intents", (record.top_intents || []).map((i) => i.name + " " + Math.round((i.confidence || 0) * 100) + "%").join(", ") || "—"],
      ["等待 Waited", duration(detail.wait_seconds) + (detail.position ? " · #" + detail.position : "")],
      ["语言 Language", label("language", record.language)],
      ...(detail.routing ? [["分配 Routing", routingText(detail.routing)]] : []),
      ["摘要 Summary", record.summary],
    ];
    const profile = record.profile || {};
    const rows = [];
    for (const [name, value] of fields) rows.push(el("dt", { text: name }), el("dd", { text: value }));
    rows.push(el("dt", { text: "客户资料 Profile" }), el("dd", {}, keyValues(profile)));
    rows.push(el("dt", { text: "槽位 Slots" }), el("dd", {}, keyValues(record.slots || {})));
    if (record.outcome) rows.push(el("dt", { text: "结果 Outcome" }), el("dd", { text: label("outcome", record.outcome) + (record.follow_up_at ? " · " + clock(record.follow_up_at) : "") }));
    $("#record-fields").replaceChildren(...rows);
  }

  function keyValues(mapping) {
    const entries = Object.entries(mapping);
    if (!entries.length) return el("span", { text: "—" });
    return el("ul", { className: "kv" },
      ...entries.map(([key, value]) => el("li", {}, el("b", { text: key + ": " }), typeof value === "string" ? value : JSON.stringify(value))));
  }

  function renderSuggestions(suggestions) {
    const list = $("#suggestions");
    if (!suggestions.length) {
      list.replaceChildren(el("li", { className: "empty", text: "暂无建议 No suggestions" }));
      return;
    }
    list.replaceChildren(
      ...suggestions.map((s) =>
        el("li", { dataset: { testid: "suggestion", faqId: s.faq_id } },
          el("div", { className: "question", text: s.question + " (" + Math.round(s.score * 100) + "%)" }),
          el("div", { className: "answer", text: s.text }),
          el("button", { type: "button", className: "secondary", dataset: { testid: "suggestion-insert" },
            onclick: () => insertText(s.text) }, "插入 Insert"),
        ),
      ),
    );
  }

  function insertText(text) {
    const box = $("#reply-text");
    box.value = box.value ? box.value + "\n" + text : text;
    clearWarnings();
    box.focus();
  }

  async function loadSupervisors() {
    const data = await api("GET", "/api/supervisors");
    const select = $("#transfer-to");
    select.replaceChildren(
      ...data.supervisors
        .filter((s) => !state.me || s.username !== state.me.username)
        .map((s) => el("option", { value: s.username, text: (s.display_name || s.username) + (s.online ? " ● 在线 online" : "") })),
    );
  }

  // ---- actions -------------------------------------------------------------------------
  async function claim() {
    try {
      await api("POST", "/api/handoffs/" + encodeURIComponent(state.selected) + "/claim");
      notify("已认领 Claimed", "ok");
    } catch (error) {
      if (error.status === 409) notify("已被其他客服认领 Someone else claimed it first");
      else failed(error);
    }
    await Promise.all([loadQueue(), loadDetail(state.selected)]).catch(failed);
  }

  function clearWarnings() {
    state.warnedText = null;
    $("#reply-warnings").replaceChildren();
    show($("#reply-warnings"), false);
    show($("#reply-send-anyway"), false);
  }

  function warningText(warning) {
    if (warning.type === "forbidden_phrase") {
      return "避免使用“" + warning.phrase + "”,建议改为“" + warning.instead + "” · Avoid “" + warning.phrase + "”, say “" + warning.instead + "”";
    }
    if (warning.type === "too_many_emoji") {
      return "表情过多(" + warning.count + "个,最多" + warning.max + "个)· Too many emoji (" + warning.count + ", max " + warning.max + ")";
    }
    return warning.message || warning.type;
  }

  async function sendReply(force) {
    const text = $("#reply-text").value.trim();
    if (!text) return;
    try {
      if (!force) {
        const check = await api("POST", "/api/check-text", { text });
        if (check.warnings.length) {
          state.warnedText = text;
          $("#reply-warnings").replaceChildren(
            ...check.warnings.map((w) => el("li", { dataset: { testid: "reply-warning" }, text: warningText(w) })),
          );
          show($("#reply-warnings"), true);
          show($("#reply-send-anyway"), true);
          return;
        }
      }
      await api("POST", "/api/handoffs/" + encodeURIComponent(state.selected) + "/messages", { text });
      $("#reply-text").value = "";
      clearWarnings();
      await loadDetail(state.selected);
    } catch (error) {
      failed(error);
    }
  }

  async function saveNote() {
    const text = $("#note-text").value.trim();
    if (!text) return;
    try {
      await api("POST", "/api/handoffs/" + encodeURIComponent(state.selected) + "/notes", { text });
      $("#note-text").value = "";
      await loadDetail(state.selected);
    } catch (error) {
      failed(error);
    }
  }

  async function transfer() {
    const to = $("#transfer-to").value;
    if (!to) return notify("没有可转接的主管 No supervisor to transfer to");
    try {
      await api("POST", "/api/handoffs/" + encodeURIComponent(state.selected) + "/transfer", { to });
      notify("已转接 Transferred to " + to, "ok");
      await Promise.all([loadQueue(), loadDetail(state.selected)]);
    } catch (error) {
      failed(error);
    }
  }

  async function resolve() {
    const outcome = $("#resolve-outcome").value;
    const body = { outcome };
    if (outcome === "follow_up") {
      const due = $("#follow-up-at").value;
      if (!due) return notify("请选择回访时间 Pick when to follow up");
      body.follow_up_at = new Date(due).toISOString();
    }
    try {
      await api("POST", "/api/handoffs/" + encodeURIComponent(state.selected) + "/resolve", body);
      notify("已结束,会话交还机器人 Resolved, back to the bot", "ok");
      await Promise.all([loadQueue(), loadDetail(state.selected)]);
    } catch (error) {
      failed(error);
    }
  }

  // ---- stats ---------------------------------------------------------------------------
  async function loadStats() {
    const stats = await api("GET", "/api/stats");
    const csat = stats.csat;
    const cards = [
      ["stat-queue-length", "排队数 In queue", stats.queue.length],
      ["stat-max-wait", "最长等待 Longest wait", stats.queue.max_wait_seconds === null ? "—" : duration(stats.queue.max_wait_seconds)],
      ["stat-avg-wait", "平均等待 Average wait", stats.queue.avg_wait_seconds === null ? "—" : duration(stats.queue.avg_wait_seconds)],
      ["stat-assigned", "处理中 Being handled", stats.assigned],
      ["stat-resolved", "已结束 Resolved", stats.resolved.count],
      ["stat-claim-wait", "平均接起时间 Avg wait until claim", stats.resolved.avg_wait_until_claim_seconds === null ? "—" : duration(stats.resolved.avg_wait_until_claim_seconds)],
      ["stat-handle", "平均处理时长 Avg handle time", stats.resolved.avg_handle_seconds === null ? "—" : duration(stats.resolved.avg_handle_seconds)],
      ["stat-csat", "满意度 CSAT", csat.average === null ? "—" : csat.average.toFixed(2) + " / 5"],
      ["stat-five-star", "五星率 Five-star rate", csat.five_star_rate === null ? "—" : Math.round(csat.five_star_rate * 100) + "%"],
      ["stat-online", "在线客服 Agents online", stats.agents_online.count],
    ];
    $("#stat-cards").replaceChildren(
      ...cards.map(([id, name, value]) =>
        el("div", { className: "card", id, dataset: { testid: "stat-card" } },
          el("div", { className: "value", text: value }), el("div", { className: "name", text: name }))),
    );
    bars("#chart-reasons", Object.entries(stats.by_reason).map(([k, v]) => [label("reason", k), v]));
    bars("#chart-priority", ["high", "normal", "low"].map((p) => [label("priority", p), stats.queue.by_priority[p] || 0]));
    bars("#chart-csat", ["5", "4", "3", "2", "1"].map((s) => [s + "★", csat.by_score[s] || 0]));
  }

  function bars(selector, rows) {
    const max = Math.max(1, ...rows.map(([, value]) => value));
    const chart = $(selector);
    if (!rows.length) {
      chart.replaceChildren(el("p", { className: "empty", text: "暂无数据 No data" }));
      return;
    }
    chart.replaceChildren(
      ...rows.map(([name, value]) => {
        const bar = el("div", { className: "bar" });
        bar.style.width = (100 * value) / max + "%";
        return el("div", { className: "bar-row", dataset: { testid: "bar" } },
          el("span", { className: "bar-label", text: name, title: name }),
          el("span", { className: "bar-track" }, bar),
          el("span", { className: "bar-value", text: value }));
      }),
    );
  }

  // ---- analytics (supervisors) -----------------------------------------------------------
  const CATEGORIES = ["inquiry", "complaint", "suggestion", "fault"];

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function problemName(item) {
    const name = item.question || labelled("problem", item.problem);
    return name ? name + " (" + item.problem + ")" : item.problem;
  }

  async function loadAnalytics() {
    const since = $("#analytics-since");
    const until = $("#analytics-until");
    // Without dates the server picks the last seven days of the service's time zone, which
    // may not be the browser's.
    const query = since.value && until.value ? "?" + new URLSearchParams({ since: since.value, until: until.value }) : "";
    const request = ++state.analyticsRequest;
    const data = await api("GET", "/api/analytics" + query);
    // Opening the tab and pressing Show quickly makes two requests: only the latest is shown.
    if (request !== state.analyticsRequest) return;
    const days = data.period.days;
    if (!since.value && !until.value) {
      since.value = days[0];
      until.value = days[days.length - 1];
    }
    renderAnalytics(data);
  }

  // A supervisor's figures must not stay in the page for whoever logs in next.
  function clearAnalytics() {
    state.analyticsRequest += 1;
    $("#analytics-since").value = "";
    $("#analytics-until").value = "";
    $("#analytics-period").textContent = "";
    for (const node of document.querySelectorAll("#analytics-cards, #chart-volumes, #volumes-legend, #analytics-view .bars")) {
      node.replaceChildren();
    }
  }

  function renderAnalytics(data) {
    const days = data.period.days;
    $("#analytics-period").textContent =
      days[0] + " – " + days[days.length - 1] + " · " + data.period.timezone + " · " + days.length + "天 days";
    const h = data.handoffs;
    const cards = [
      ["analytics-contacts", "contacts", data.totals.contacts],
      ["analytics-handoffs", "handoffs", h.count + (h.callbacks ? " (+" + h.callbacks + " 回电)" : "")],
      ["analytics-handoff-rate", "handoff_rate", percent(h.rate)],
      ["analytics-fcr", "first_contact_resolution", percent(data.first_contact_resolution.rate)],
      ["analytics-csat", "csat", data.csat.average === null ? "—" : data.csat.average.toFixed(2) + " / 5"],
      ["analytics-five-star", "five_star_rate", percent(data.csat.five_star_rate)],
      ["analytics-wait", "avg_wait", data.times.avg_wait_seconds === null ? "—" : duration(data.times.avg_wait_seconds)],
      ["analytics-handle", "avg_handle", data.times.avg_handle_seconds === null ? "—" : duration(data.times.avg_handle_seconds)],
      ["analytics-tickets", "tickets", data.tickets.count],
      ["analytics-on-time", "on_time_follow_up_rate", percent(data.tickets.on_time_follow_up.rate)],
      ["analytics-second-contact", "second_contact_rate", percent(data.tickets.second_contact.rate)],
      ["analytics-time-to-close", "avg_time_to_close",
        data.tickets.time_to_close.avg_seconds === null ? "—" : duration(data.tickets.time_to_close.avg_seconds)],
      ["analytics-return-visit", "return_visit_rating",
        data.tickets.return_visits.average === null ? "—" : data.tickets.return_visits.average.toFixed(2) + " / 5"],
    ];
    $("#analytics-cards").replaceChildren(
      ...cards.map(([id, figure, value]) =>
        el("div", { className: "card", id, dataset: { testid: "analytics-card" } },
          el("div", { className: "value", text: value }), el("div", { className: "name", text: label("figure", figure) }))),
    );
    columns("#chart-volumes", days, data.volumes.requests);
    $("#volumes-legend").replaceChildren(
      ...CATEGORIES.map((c) => el("span", {}, el("span", { className: "swatch cat-" + c }), label("category", c))),
    );
    bars("#chart-problems", data.top_problems.map((p) => [problemName(p), p.count]));
    bars("#chart-handoff-reasons", Object.entries(h.by_reason).map(([k, v]) => [label("reason", k), v]));
    bars("#chart-priority-reasons", Object.entries(h.by_priority_reason || {}).map(([k, v]) => [label("priority_reason", k), v]));
    bars("#chart-analytics-csat", ["5", "4", "3", "2", "1"].map((s) => [s + "★", data.csat.by_score[s] || 0]));
    bars("#chart-tickets", Object.entries(data.tickets.by_status).filter(([, v]) => v).map(([k, v]) => [label("ticket_status", k), v]));
  }

  function columns(selector, days, table) {
    const totals = days.map((day) => CATEGORIES.reduce((sum, c) => sum + ((table[day] || {})[c] || 0), 0));
    const max = Math.max(1, ...totals);
    $(selector).replaceChildren(
      ...days.map((day, index) => {
        const segments = CATEGORIES.filter((c) => (table[day] || {})[c]).map((c) => {
          const count = table[day][c];
          const segment = el("div", { className: "segment cat-" + c, title: label("category", c) + ": " + count,
            dataset: { testid: "volume-segment", category: c, count } });
          segment.style.height = (100 * count) / max + "%";
          return segment;
        });
        return el("div", { className: "day", dataset: { testid: "volume-day", day, total: totals[index] } },
          el("div", { className: "day-total", text: totals[index] }),
          el("div", { className: "stack" }, ...segments),
          el("div", { className: "day-label", text: day.slice(5) }));
      }),
    );
  }

  // ---- tickets (工单) --------------------------------------------------------------------
  const debouncedTickets = debounce(() => loadTickets(), 300);

  // The scheduler's reminders reach the ticket's owner (its assignee, else its team); escalations, supervisors.
  function remindMe(data) {
    const me = state.me || {};
    const teams = me.role === "supervisor" ? [] : (me.teams && me.teams.length ? me.teams : ["agents"]);
    const mine = data.owner === me.username || teams.includes(data.owner);
    if (data.type === "ticket_reminded" && mine) {
      notify("工单 " + data.ticket_id + " 已到期,请跟进 · Ticket " + data.ticket_id + " is due: please follow up", "ok");
    } else if (data.type === "ticket_escalated" && me.role === "supervisor") {
      notify("工单 " + data.ticket_id + " 已超时,转主管处理 · Ticket " + data.ticket_id + " is overdue and raised to supervisors");
    }
  }

  function fillTicketFilters() {
    for (const [selector, kind] of [["#tickets-team", "team"], ["#tickets-status", "ticket_status"]]) {
      const select = $(selector);
      if (select.options.length > 1) continue;
      for (const code of Object.keys(state.labels[kind] || {})) select.append(el("option", { value: code, text: label(kind, code) }));
    }
  }

  async function loadTickets() {
    fillTicketFilters();
    const query = new URLSearchParams();
    for (const [selector, name] of [["#tickets-team", "team"], ["#tickets-status", "status"], ["#tickets-due", "due"]]) {
      if ($(selector).value) query.set(name, $(selector).value);
    }
    const data = await api("GET", "/api/tickets?" + query.toString());
    $("#tickets-count").textContent = String(data.tickets.length);
    $("#ticket-list").replaceChildren(
      ...data.tickets.map((ticket) =>
        el("li", {
          className: "handoff" + (ticket.ticket_id === state.ticket ? " selected" : "") + (ticket.overdue ? " overdue" : ""),
          dataset: { testid: "ticket-item", ticketId: ticket.ticket_id, status: ticket.status },
          tabindex: "0",
          onclick: () => openTicket(ticket.ticket_id).catch(failed),
          onkeydown: (event) => { if (event.key === "Enter") openTicket(ticket.ticket_id).catch(failed); },
        },
        el("div", { className: "line" },
          el("span", { className: "badge priority-" + ticket.priority, text: label("priority", ticket.priority) }),
          el("span", { text: ticket.ticket_id }),
          el("span", { className: "channel", text: label("team", ticket.team) }),
          el("span", { className: "wait", text: label("ticket_status", ticket.status) }),
        ),
        el("div", { className: "reason", text: label("category", ticket.category) + " · " + (ticket.overdue ? "已超时 Overdue · " : "")
          + (ticket.escalated_at ? "已升级主管 Raised to a supervisor · " : "")
          + "到期 Due " + clock(ticket.due_at) + (ticket.assignee ? " · " + ticket.assignee : "") }),
        el("div", { className: "summary", text: ticket.summary }))),
    );
  }

  async function openTicket(ticketId) {
    const detail = await api("GET", "/api/tickets/" + encodeURIComponent(ticketId));
    state.ticket = ticketId;
    const ticket = detail.ticket;
    show($("#ticket-empty"), false);
    show($("#ticket-body"), true);
    $("#ticket-title").textContent = ticket.ticket_id + " · " + label("category", ticket.category);
    $("#ticket-status").textContent = label("ticket_status", ticket.status) + (ticket.overdue ? " · 已超时 Overdue" : "");
    $("#ticket-fields").replaceChildren(...[
      ["团队 Team", label("team", ticket.team)], ["处理人 Assignee", ticket.assignee || "—"],
      ["优先级 Priority", label("priority", ticket.priority)], ["到期 Due", clock(ticket.due_at)],
      ["标签 Tags", ticket.tags.map((tag) => label("tag", tag)).join(", ")], ["摘要 Summary", ticket.summary],
    ].flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { text: value })]));
    $("#ticket-next-status").replaceChildren(
      ...detail.allowed_statuses.map((code) => el("option", { value: code, text: label("ticket_status", code) })));
    show($("#ticket-change"), detail.allowed_statuses.length > 0);
    $("#ticket-history").replaceChildren(...detail.history.map((change) =>
      el("li", { dataset: { testid: "ticket-change", action: change.action } },
        clock(change.at) + " · " + change.actor + " · " + change.action
        + (change.status_to ? " → " + label("ticket_status", change.status_to) : "")
        + (change.note ? ": " + change.note : "") + (change.told_user ? " (已通知用户 told the user)" : ""))));
    $("#ticket-transcript").replaceChildren(...detail.handoffs.flatMap((handoff) => handoff.transcript).map((turn) =>
      el("li", { className: "turn role-" + turn.role },
        el("div", { className: "who", text: label("role", turn.role) + (turn.agent ? " · " + turn.agent : "") + " · " + clock(turn.at) }),
        el("div", { className: "text", text: turn.text }))));
    for (const item of document.querySelectorAll("#ticket-list .handoff")) {
      item.classList.toggle("selected", item.dataset.ticketId === ticketId);
    }
  }

  function deliveryText(delivery) {
    if (!delivery) return "已保存 Saved";
    if (delivery.how === "sent") return "已通知用户 The user was told";
    if (delivery.how === "next_visit") return "用户下次打开聊天时会看到 The user sees it at their next visit";
    return "无法直接通知,请致电用户 Cannot write to the user: please call them";
  }

  async function changeTicketStatus() {
    if (!state.ticket) return;
    const body = { status: $("#ticket-next-status").value, note: $("#ticket-note").value.trim(), tell_user: $("#ticket-tell").checked };
    const result = await api("POST", "/api/tickets/" + encodeURIComponent(state.ticket) + "/status", body);
    $("#ticket-note").value = "";
    notify(deliveryText(result.delivery), "ok");
    await Promise.all([openTicket(state.ticket), loadTickets()]);
  }

  async function saveTicketNote() {
    const text = $("#ticket-note").value.trim();
    if (!state.ticket || !text) return notify("请先写说明 Write a note first");
    const result = await api("POST", "/api/tickets/" + encodeURIComponent(state.ticket) + "/notes", { text, tell_user: $("#ticket-tell").checked });
    $("#ticket-note").value = "";
    notify(deliveryText(result.delivery), "ok");
    await openTicket(state.ticket);
  }

  async function assignTicket() {
    if (!state.ticket) return;
    await api("POST", "/api/tickets/" + encodeURIComponent(state.ticket) + "/assign", { assignee: $("#ticket-assignee").value.trim() });
    $("#ticket-assignee").value = "";
    await Promise.all([openTicket(state.ticket), loadTickets()]);
  }

  // ---- inbox of misunderstood messages (editors, supervisors) --------------------------
  const INBOX_KINDS = {
    fallback: "未理解 Not understood", low_confidence: "把握不大 Low confidence", not_solved: "没解决 Not solved",
    low_rating: "差评 Low rating", handoff: "转人工 Handed over",
  };

  async function loadInbox() {
    const [data, targets] = await Promise.all([api("GET", "/api/inbox"), api("GET", "/api/inbox/targets")]);
    state.inboxGroups = data.groups;
    $("#inbox-count").textContent = String(data.items);
    $("#inbox-intent").replaceChildren(...targets.intents.map((name) => el("option", { value: name, text: name })));
    $("#inbox-faq").replaceChildren(...targets.faqs.map((faq) => el("option", { value: faq.id, text: faq.id + " · " + faq.question })));
    $("#inbox-groups").replaceChildren(...data.groups.map((group, index) =>
      el("li", {
        className: "handoff", dataset: { testid: "inbox-group" }, tabindex: "0",
        onclick: () => openInboxGroup(index).catch(failed),
        onkeydown: (event) => { if (event.key === "Enter") openInboxGroup(index).catch(failed); },
      },
      el("div", { className: "line" },
        el("span", { className: "badge", text: "×" + group.count }),
        el("span", { className: "channel", text: Object.entries(group.kinds).map(([kind, n]) => (INBOX_KINDS[kind] || kind) + " " + n).join(" · ") })),
      el("div", { className: "summary", text: group.text }))));
    show($("#inbox-body"), false);
    show($("#inbox-empty"), true);
  }

  async function openInboxGroup(index) {
    const group = state.inboxGroups[index];
    state.inboxGroup = group;
    const first = group.items[0];
    const detail = await api("GET", "/api/inbox/" + encodeURIComponent(first.item_id));
    show($("#inbox-empty"), false);
    show($("#inbox-body"), true);
    show($("#inbox-problems"), false);
    $("#inbox-title").textContent = group.text + " (×" + group.count + ")";
    $("#inbox-items").replaceChildren(...group.items.map((item) =>
      el("li", { className: "turn role-user" },
        el("div", { className: "who", text: clock(item.at) + " · " + (INBOX_KINDS[item.kind] || item.kind) + " · " + item.conversation_id
          + (item.handoff_id ? " · " + item.handoff_id : "") + (item.confidence != null ? " · " + item.confidence : "") }),
        el("div", { className: "text", text: item.text }))));
    $("#inbox-text").value = first.text;
    $("#inbox-zh-questions").value = first.text;
    $("#inbox-zh-conclusion").value = detail.prefill || "";
  }

  function inboxBody() {
    const action = $("#inbox-action").value;
    const also = state.inboxGroup.items.slice(1).map((item) => item.item_id);
    if (action === "intent") return { action, also, intent: $("#inbox-intent").value, text: $("#inbox-text").value };
    if (action === "faq_question") {
      return { action, also, faq_id: $("#inbox-faq").value, language: $("#inbox-language").value, text: $("#inbox-text").value };
    }
    const entry = { id: $("#inbox-faq-id").value.trim() };
    const fields = {
      zh_questions: "#inbox-zh-questions", en_questions: "#inbox-en-questions", zh_conclusion: "#inbox-zh-conclusion",
      en_conclusion: "#inbox-en-conclusion", zh_reasoning: "#inbox-zh-reasoning", en_reasoning: "#inbox-en-reasoning",
      zh_steps: "#inbox-zh-steps", en_steps: "#inbox-en-steps",
    };
    for (const [name, selector] of Object.entries(fields)) entry[name] = document.querySelector(selector).value;
    return { action, also, entry };
  }

  async function saveInbox(event) {
    event.preventDefault();
    if (!state.inboxGroup) return;
    const path = "/api/inbox/" + encodeURIComponent(state.inboxGroup.items[0].item_id) + "/annotate";
    const response = await fetch(path, {
      method: "POST", headers: { Authorization: "Bearer " + state.token, "Content-Type": "application/json" },
      body: JSON.stringify(inboxBody()),
    });
    if (response.status === 401) return endSession("登录已过期,请重新登录 Session expired, please log in again");
    const data = await response.json().catch(() => ({}));
    if (response.ok) {
      notify("已写入 Written: " + data.path + ":" + data.line, "ok");
      await loadInbox();
      return;
    }
    $("#inbox-problems").replaceChildren(el("li", { text: data.error || response.statusText }),
      ...(data.problems || []).map((problem) => el("li", { text: problem.where + ": " + problem.message })));
    show($("#inbox-problems"), true);
  }

  // ---- publishing models (editors start; supervisors override and roll back) ------------
  const PUBLISH_STATES = {
    running: "进行中 Running", live: "已上线 Live", refused: "未通过 Refused", failed: "失败 Failed",
  };

  function scoreRows(live, candidate) {
    const rows = [["", "当前 Live", "候选 Candidate"]];
    for (const language of Object.keys(live.intent_accuracy)) {
      rows.push(["意图准确率 Intent accuracy " + language, live.intent_accuracy[language], candidate.intent_accuracy[language]]);
      rows.push(["投诉召回 Complaint recall " + language, live.complaint_recall[language], candidate.complaint_recall[language]]);
    }
    rows.push(["高优先级召回 High-priority recall", live.high_recall, candidate.high_recall]);
    return rows.map((cells) => el("tr", {}, ...cells.map((cell) => el("td", {
      text: typeof cell === "number" ? cell.toFixed(3) : String(cell === undefined ? "—" : cell),
    }))));
  }

  async function loadPublish() {
    const data = await api("GET", "/api/publish");
    const job = data.job;
    let line = "当前模型 Live model: " + data.live;
    if (job) line += " · " + job.id + " " + (PUBLISH_STATES[job.state] || job.state) + (job.state === "running" ? " (" + job.phase + ")" : "");
    if (job && job.error) line += " · " + job.error;
    $("#publish-state").textContent = line;
    $("#publish-start").disabled = data.running;
    const scored = job && job.live_scores && job.candidate_scores;
    if (scored) $("#publish-scores").replaceChildren(...scoreRows(job.live_scores, job.candidate_scores));
    show($("#publish-scores"), Boolean(scored));
    const problems = (job && job.state === "refused" && job.problems) || [];
    $("#publish-problems").replaceChildren(...problems.map((problem) => el("li", { text: problem })));
    show($("#publish-problems"), problems.length > 0);
    show($("#publish-supervisor"), state.me.role === "supervisor");
    $("#publish-override").disabled = !(job && job.state === "refused");
    $("#publish-rollback").disabled = data.running || !data.previous;
    clearTimeout(loadPublish.timer);
    if (data.running) loadPublish.timer = setTimeout(() => loadPublish().catch(failed), 3000);
  }

  async function publishAction(path, body) {
    await api("POST", path, body);
    await loadPublish();
  }

  // ---- wiring --------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("#login-form").addEventListener("submit", logIn);
    $("#logout").addEventListener("click", logOut);
    $("#my-languages").addEventListener("click", () => editLanguages().catch(failed));
    for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => switchView(tab.dataset.view));
    $("#claim").addEventListener("click", claim);
    $("#reply-send").addEventListener("click", () => sendReply(false));
    $("#reply-send-anyway").addEventListener("click", () => sendReply(true));
    $("#reply-text").addEventListener("input", () => {
      if (state.warnedText !== null && $("#reply-text").value.trim() !== state.warnedText) clearWarnings();
    });
    $("#note-save").addEventListener("click", saveNote);
    $("#transfer-submit").addEventListener("click", transfer);
    $("#resolve-outcome").addEventListener("change", () => show($("#follow-up-at"), $("#resolve-outcome").value === "follow_up"));
    $("#resolve").addEventListener("click", resolve);
    $("#stats-refresh").addEventListener("click", () => loadStats().catch(failed));
    $("#tickets-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      loadTickets().catch(failed);
    });
    $("#ticket-status-save").addEventListener("click", () => changeTicketStatus().catch(failed));
    $("#ticket-note-save").addEventListener("click", () => saveTicketNote().catch(failed));
    $("#ticket-assign").addEventListener("click", () => assignTicket().catch(failed));
    $("#inbox-refresh").addEventListener("click", () => loadInbox().catch(failed));
    $("#inbox-form").addEventListener("submit", (event) => saveInbox(event).catch(failed));
    $("#publish-start").addEventListener("click", () => publishAction("/api/publish").catch(failed));
    $("#publish-override").addEventListener("click", () =>
      publishAction("/api/publish/override", { note: $("#publish-note").value }).catch(failed));
    $("#publish-rollback").addEventListener("click", () =>
      publishAction("/api/models/rollback", { note: $("#publish-note").value }).catch(failed));
    $("#inbox-action").addEventListener("change", () => {
      const action = $("#inbox-action").value;
      show($("#inbox-intent"), action === "intent");
      show($("#inbox-faq"), action === "faq_question");
      show($("#inbox-language"), action === "faq_question");
      show($("#inbox-text"), action !== "new_faq");
      show($("#inbox-new-faq"), action === "new_faq");
    });
    $("#analytics-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadAnalytics().catch(failed);
    });
    if (state.token) start().catch(() => endSession());
  });
})();
