/*
 * The web chat widget: Rasa's socket.io protocol (session_request / session_confirm,
 * user_uttered / bot_uttered), no build step.
 *
 * Every piece of text from the network or the user is set with textContent, never as HTML.
 * The session id and the messages shown are kept in localStorage, so a reload keeps the
 * conversation on screen and on the server.
 *
 * The labels (title, placeholder, connection state, errors) follow the conversation's language:
 * Chinese by default, English for an English browser, then whatever language the bot answers
 * in (it answers in the user's). ?lang=zh|en or data-lang on this script fixes one instead.
 * The title can be set by the embedding page: data-title (any language), data-title-zh,
 * data-title-en on this script, or ?title= in the page's address (for a frame).
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const query = new URLSearchParams(window.location.search);
  const attributes = (script && script.dataset) || {};
  const config = {
    url: attributes.socketUrl || window.location.origin,
    path: attributes.socketPath || "/socket.io",
    lang: query.get("lang") || attributes.lang || "",
    titles: {
      any: query.get("title") || attributes.title || "",
      zh: attributes.titleZh || "",
      en: attributes.titleEn || "",
    },
  };

  const STORAGE = {
    session: "cs-chat:session", history: "cs-chat:history", agent: "cs-chat:agent", lang: "cs-chat:lang",
  };
  const MAX_HISTORY = 200;

  const LABELS = {
    zh: {
      htmlLang: "zh-CN",
      title: "在线客服",
      inputLabel: "您的消息",
      placeholder: "请输入您的问题…",
      send: "发送",
      connecting: "连接中…",
      connected: "已连接",
      reconnecting: "连接中断,正在重连…",
      failed: "暂时无法连接客服,正在重试…",
      agentBanner: (agent) => "已接入人工客服 " + agent,
      agentBannerAnonymous: "已接入人工客服",
      agentLabel: (agent) => "人工客服 " + agent,
      agentLabelAnonymous: "人工客服",
      imageAlt: "图片",
    },
    en: {
      htmlLang: "en",
      title: "Customer service",
      inputLabel: "Your message",
      placeholder: "Type your question…",
      send: "Send",
      connecting: "Connecting…",
      connected: "Connected",
      reconnecting: "Connection lost, reconnecting…",
      failed: "Can't reach customer service yet, retrying…",
      agentBanner: (agent) => "Connected to an agent: " + agent,
      agentBannerAnonymous: "Connected to an agent",
      agentLabel: (agent) => "Agent " + agent,
      agentLabelAnonymous: "Agent",
      imageAlt: "Image",
    },
  };

  /** The labels' language fixed by the page (?lang= or data-lang), or null to follow the conversation. */
  const fixedLanguage = LABELS[config.lang] ? config.lang : null;

  /** Before the conversation says otherwise: the browser's language, Chinese unless it is English. */
  function browserLanguage() {
    const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    return /^en\b/i.test(preferred) ? "en" : "zh";
  }

  /** The language a bot message is in: Chinese if it has Chinese characters, English if only Latin letters. */
  function languageOf(text) {
    if (/[\u3400-\u9fff]/.test(text)) return "zh";
    if (/[A-Za-z]/.test(text)) return "en";
    return null;
  }

  let lang = fixedLanguage || browserLanguage();
  let t = LABELS[lang];

  function titleFor(language) {
    return config.titles[language] || config.titles.any || LABELS[language].title;
  }

  // ---- storage (may be unavailable, e.g. in a sandboxed frame: then nothing persists) -----
  function load(key, fallback) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* private mode or quota: the chat still works, it just forgets on reload */
    }
  }

  function randomId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ---- state ---------------------------------------------------------------------------
  const storedSession = load(STORAGE.session, null);
  const state = {
    sessionId: typeof storedSession === "string" && storedSession ? storedSession : randomId(),
    history: [],
    agent: null, // the agent's name while a person is talking, else null
    everConnected: false,
  };
  save(STORAGE.session, state.sessionId);
  const stored = load(STORAGE.history, null);
  if (stored && stored.sessionId === state.sessionId && Array.isArray(stored.messages)) {
    state.history = stored.messages.filter((m) => m && typeof m.text === "string");
  }
  const storedLanguage = load(STORAGE.lang, null);
  if (!fixedLanguage && storedLanguage && storedLanguage.sessionId === state.sessionId && LABELS[storedLanguage.lang]) {
    lang = storedLanguage.lang;
    t = LABELS[lang];
  }
  const storedAgent = load(STORAGE.agent, null);
  if (storedAgent && storedAgent.sessionId === state.sessionId && typeof storedAgent.name === "string") {
    state.agent = storedAgent.name;
  }

  function persist() {
    save(STORAGE.history, { sessionId: state.sessionId, messages: state.history.slice(-MAX_HISTORY) });
    save(STORAGE.agent, { sessionId: state.sessionId, name: state.agent });
  }

  // ---- elements ------------------------------------------------------------------------
  const $ = (selector) => document.querySelector(selector);
  const messages = $("#messages");
  const input = $("#chat-input");
  const form = $("#chat-form");
  const connection = $("#connection-state");
  const banner = $("#agent-banner");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function applyLabels() {
    document.documentElement.lang = t.htmlLang;
    document.title = titleFor(lang);
    for (const node of document.querySelectorAll("[data-label]")) {
      node.textContent = node.dataset.label === "title" ? titleFor(lang) : t[node.dataset.label];
    }
    for (const node of document.querySelectorAll("[data-label-placeholder]")) {
      node.placeholder = t[node.dataset.labelPlaceholder];
    }
  }

  function setConnection(name) {
    connection.dataset.state = name;
    connection.textContent = t[name];
  }

  /** Switch the labels to ``language`` (the conversation's), unless the page fixed them. */
  function followLanguage(language) {
    if (fixedLanguage || !language || language === lang) return;
    lang = language;
    t = LABELS[lang];
    save(STORAGE.lang, { sessionId: state.sessionId, lang: lang });
    applyLabels();
    setConnection(connection.dataset.state);
    setAgent(state.agent);
  }

  function setAgent(name) {
    state.agent = name;
    const active = name !== null;
    banner.hidden = !active;
    banner.textContent = active ? (name ? t.agentBanner(name) : t.agentBannerAnonymous) : "";
    document.body.classList.toggle("with-agent", active);
    persist();
  }

  // ---- messages ------------------------------------------------------------------------
  function render(entry) {
    const item = el("li", "msg msg-" + entry.role);
    item.dataset.testid = "msg-" + entry.role;
    if (entry.role === "agent") {
      item.appendChild(el("span", "msg-author", entry.agent ? t.agentLabel(entry.agent) : t.agentLabelAnonymous));
    }
    if (entry.text) item.appendChild(el("div", "msg-text", entry.text));
    if (entry.image) {
      const image = el("img", "msg-image");
      image.alt = t.imageAlt;
      image.src = entry.image;
      item.appendChild(image);
    }
    if (entry.quickReplies && entry.quickReplies.length && !entry.used) {
      const row = el("div", "quick-replies");
      row.dataset.testid = "quick-replies";
      for (const reply of entry.quickReplies) {
        const button = el("button", "quick-reply", reply.title);
        button.type = "button";
        button.dataset.testid = "quick-reply";
        button.addEventListener("click", () => send(reply.payload, reply.title));
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    return item;
  }

  function add(entry) {
    state.history.push(entry);
    if (state.history.length > MAX_HISTORY) state.history.splice(0, state.history.length - MAX_HISTORY);
    messages.appendChild(render(entry));
    messages.scrollTop = messages.scrollHeight;
    persist();
  }

  /** Quick replies answer the message they came with: once the user says anything, they go. */
  function retireQuickReplies() {
    for (const entry of state.history) if (entry.quickReplies && entry.quickReplies.length) entry.used = true;
    for (const row of messages.querySelectorAll(".quick-replies")) row.remove();
  }

  function quickRepliesOf(data) {
    const raw = Array.isArray(data.quick_replies) ? data.quick_replies : Array.isArray(data.buttons) ? data.buttons : [];
    return raw
      .filter((r) => r && typeof r.title === "string" && r.title)
      .map((r) => ({ title: r.title, payload: typeof r.payload === "string" && r.payload ? r.payload : r.title }));
  }

  function imageOf(data) {
    const attachment = data.attachment;
    const src = attachment && attachment.type === "image" && attachment.payload && attachment.payload.src;
    return typeof src === "string" && /^https?:\/\//i.test(src) ? src : null;
  }

  function onBotUttered(data) {
    if (!data || typeof data !== "object") return;
    const metadata = data.metadata && typeof data.metadata === "object" ? data.metadata : {};
    const fromAgent = metadata.from === "agent";
    const agent = fromAgent && typeof metadata.agent === "string" ? metadata.agent : "";
    // An agent message starts (or continues) the handoff; the bot speaking again means hand-back.
    if (fromAgent) {
      if (state.agent !== agent) setAgent(agent);
    } else if (state.agent !== null) {
      setAgent(null);
    }
    const entry = {
      role: fromAgent ? "agent" : "bot",
      text: typeof data.text === "string" ? data.text : "",
      agent: agent || undefined,
      quickReplies: quickRepliesOf(data),
      image: imageOf(data),
    };
    if (!fromAgent) followLanguage(languageOf(entry.text));
    if (entry.text || entry.image || entry.quickReplies.length) add(entry);
  }

  // ---- the socket ----------------------------------------------------------------------
  const socket = window.io(config.url, { path: config.path });

  function send(message, shownAs) {
    const text = String(message || "").trim();
    if (!text) return;
    retireQuickReplies();
    add({ role: "user", text: shownAs || text });
    // Emitted while disconnected, socket.io buffers it and sends it on reconnect; the
    // message_id lets the server drop a message it has already seen.
    socket.emit("user_uttered", { message: text, session_id: state.sessionId, message_id: randomId() });
  }

  socket.on("connect", () => {
    socket.emit("session_request", { session_id: state.sessionId });
  });

  socket.on("session_confirm", (data) => {
    const confirmed = typeof data === "string" ? data : data && data.session_id;
    if (typeof confirmed === "string" && confirmed && confirmed !== state.sessionId) {
      state.sessionId = confirmed;
      save(STORAGE.session, confirmed);
      document.getElementById("chat").dataset.sessionId = confirmed;
      persist();
    }
    state.everConnected = true;
    setConnection("connected");
  });

  socket.on("bot_uttered", onBotUttered);

  socket.on("disconnect", (reason) => {
    setConnection("reconnecting");
    // The server closed the socket on purpose: socket.io does not retry that on its own.
    if (reason === "io server disconnect") socket.connect();
  });

  socket.on("connect_error", () => setConnection(state.everConnected ? "reconnecting" : "failed"));
  socket.io.on("reconnect_attempt", () => setConnection(state.everConnected ? "reconnecting" : "failed"));

  // ---- the composer --------------------------------------------------------------------
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    grow();
    send(text);
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; never while an input method is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  function grow() {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + "px";
  }
  input.addEventListener("input", grow);

  // ---- start ---------------------------------------------------------------------------
  applyLabels();
  setConnection("connecting");
  document.getElementById("chat").dataset.sessionId = state.sessionId;
  for (const entry of state.history) messages.appendChild(render(entry));
  messages.scrollTop = messages.scrollHeight;
  setAgent(state.agent);
})();
