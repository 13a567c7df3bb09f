// The simulator page: plays the demo convenor in Telegram and the participants' phones,
// and moves the one clock, through /sim/api only. Plain JavaScript, no build step.
"use strict";

(() => {
  const API = "/sim/api";
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  const lang = $("sim").dataset.lang;
  const token = $("sim").dataset.token; // this run's key: the API answers 403 without it
  const T = JSON.parse($("sim-text").textContent); // the page's words, from the catalogs
  const plural = new Intl.PluralRules(lang); // which of T.parts fits a number
  const shown = new WeakMap(); // a log -> the JSON it shows: redraw only on change
  let demo = null;
  let now = null;
  let pollFailed = false;

  async function call(path, body) {
    const headers = { "X-Sim-Token": token };
    const init =
      body === undefined
        ? { headers }
        : {
            method: "POST",
            headers: { ...headers, "Content-Type": "application/json" },
            body: JSON.stringify(body),
          };
    const response = await fetch(API + path, init);
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return response.json();
  }

  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));

  function moment(iso) {
    const timeZone = (demo && demo.meeting && demo.meeting.timezone) || "Europe/Stockholm";
    return new Intl.DateTimeFormat(lang === "sv" ? "sv-SE" : "en-GB", {
      timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit",
    }).format(new Date(iso));
  }

  function report(error) {
    $("problem").hidden = !error;
    $("problem").textContent = error ? `${T.problem} ${error.message}` : "";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Text with its web addresses as links, as Telegram and phones show them (a new tab,
  // so the simulator stays open). Only http(s): nothing else can become a link.
  function linked(text) {
    const paragraph = element("p");
    text.split(/(https?:\/\/\S+)/).forEach((part, i) => {
      if (i % 2 === 0) return paragraph.append(part);
      const link = element("a", "", part);
      Object.assign(link, { href: part, target: "_blank", rel: "noopener noreferrer" });
      paragraph.append(link);
    });
    return paragraph;
  }

  // Runs what the user asked for, says what failed, and shows the outcome at once.
  async function act(action) {
    try {
      await action();
      report(null);
    } catch (error) {
      report(error);
    }
    await refresh();
  }

  function composer(form, send) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = form.elements.text.value.trim();
      form.elements.text.value = "";
      if (text) act(() => send(text));
    });
  }

  function show(log, entries, draw) {
    const json = JSON.stringify(entries);
    if (shown.get(log) === json) return;
    const following = !shown.has(log) || log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    shown.set(log, json);
    log.replaceChildren(...(entries.length ? entries.map(draw) : [element("li", "empty", T.no_messages)]));
    if (following) log.scrollTop = log.scrollHeight; // news, unless the reader scrolled back
  }

  // --- the convenor's Telegram ---------------------------------------------
  const convenor = () => demo.convenor.user_id;
  const say = (text) =>
    call(`/telegram/${convenor()}/message`, { text, first_name: demo.convenor.name, language_code: lang });

  function button(entry, spec) {
    if (spec.data === undefined) {
      const link = element("a", "", spec.text); // a URL button, e.g. the person's t.me link
      link.href = spec.url;
      link.rel = "noopener noreferrer";
      return link;
    }
    const press = element("button", "", spec.text);
    press.type = "button";
    press.addEventListener("click", () =>
      act(() => call(`/telegram/${convenor()}/press`, { message_id: entry.message_id, data: spec.data })),
    );
    return press;
  }

  function chatEntry(entry) {
    const item = element("li", `bubble ${entry.from === "bot" ? "theirs" : "mine"}`);
    item.append(linked(entry.text));
    for (const row of entry.buttons) {
      const line = element("div", "buttons");
      line.append(...row.map((spec) => button(entry, spec)));
      item.append(line);
    }
    return item;
  }

  // --- the phones: what we send arrives on the left, the phone's own on the right ----
  function smsEntry(entry) {
    const ours = entry.direction === "out";
    const item = element("li", `bubble ${ours ? "theirs" : "mine"}`);
    item.append(linked(entry.text));
    const meta = [ours ? T.outbound : T.inbound, entry.status, fill(T.parts[plural.select(entry.parts)] || T.parts.other, { n: entry.parts }), entry.encoding];
    item.append(element("small", "meta", meta.join(" · ")));
    return item;
  }

  function addPhones() {
    const template = $("phone-template").content.firstElementChild;
    for (const person of demo.participants) {
      const phone = template.cloneNode(true);
      phone.dataset.phone = person.phone;
      phone.querySelector(".who").textContent = `${person.name}, ${T.roles[person.role] || person.role}`;
      phone.querySelector(".number").textContent = person.phone;
      composer(phone.querySelector("form"), (text) => call(`/sms/${person.phone}/message`, { text }));
      $("phone-list").append(phone);
    }
  }

  // --- the clock and the meeting --------------------------------------------
  function showClock() {
    $("now").textContent = moment(now);
    $("now").dataset.iso = now;
    for (const jump of document.querySelectorAll("#clock [data-moment]")) {
      const target = demo.moments[jump.dataset.moment];
      jump.disabled = !target || new Date(target) <= new Date(now); // time only moves forward
      jump.title = jump.disabled ? T.passed : moment(target);
    }
  }

  function showMeeting() {
    const meeting = demo.meeting;
    $("meeting-line").textContent = meeting
      ? fill(T.meeting, {
          id: meeting.id,
          when: meeting.starts_at ? moment(meeting.starts_at) : "-",
          place: meeting.place,
          status: T.statuses[meeting.status] || meeting.status,
        })
      : T.no_demo;
  }

  // One move at a time: a double click would otherwise jump twice.
  let moving = false;
  function moveClock(body) {
    if (moving) return;
    moving = true;
    act(() => call("/clock", body)).finally(() => (moving = false));
  }
  for (const jump of document.querySelectorAll("#clock [data-advance]")) {
    jump.addEventListener("click", () => moveClock({ advance_seconds: Number(jump.dataset.advance) }));
  }
  for (const jump of document.querySelectorAll("#clock [data-moment]")) {
    jump.addEventListener("click", () => moveClock({ set: demo.moments[jump.dataset.moment] }));
  }

  // --- polling ---------------------------------------------------------------
  let busy = false;
  async function refresh() {
    if (busy || !demo) return; // the next poll comes within a second
    busy = true;
    try {
      [now, demo] = await Promise.all([call("/clock").then((c) => c.now), call("/demo")]);
      showClock();
      showMeeting();
      const phones = [...document.querySelectorAll(".phone")];
      const [chat, ...threads] = await Promise.all([
        call(`/telegram/${convenor()}/transcript`),
        ...phones.map((phone) => call(`/sms/${phone.dataset.phone}/transcript`)),
      ]);
      show($("chat-log"), chat, chatEntry);
      phones.forEach((phone, i) => show(phone.querySelector(".log"), threads[i], smsEntry));
      if (pollFailed) report(null);
      pollFailed = false;
    } catch (error) {
      pollFailed = true;
      report(error);
    } finally {
      busy = false;
    }
  }

  async function start() {
    demo = await call("/demo");
    addPhones();
    if (!demo.convenor.joined && demo.team) {
      // The demo convenor joins as anyone does: a one-time invitation and /start.
      const { code } = await call("/invite", { role: "convenor", team: demo.team });
      await say(`/start ${code}`);
    }
  }

  composer($("chat-form"), (text) => say(text));
  const poll = () => setTimeout(() => refresh().then(poll), POLL_MS);
  act(start).then(poll);
})();
