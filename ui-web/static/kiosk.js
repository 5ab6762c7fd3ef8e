/* kiosk.js: the few things a plain HTML page cannot do by itself. Every screen works without
   it; with it: the idle countdown, live device and session events, the on-screen PIN pad,
   the on-screen keyboards (digits, pinyin with candidates, Uyghur, Latin), the division
   picker, the agent switch of the home menu, the attract screen after a while untouched, the
   photo preview, the two-step rating, and the spoken prompts (audio rendered by the host:
   played at once in elderly mode, and by the "hear it again" button).
   A PIN is never put in a URL, storage, a cookie or the console: it lives only in the
   password fields, which are emptied after submit, on timeout and when the page is left. */
(function () {
  "use strict";

  var doc = document;
  var EVENT_URL = "/session/event";
  var PIN_LENGTH = 6;

  /* Posts `action` to the host as a button press would (the host answers with a redirect). */
  function post(action) {
    var form = doc.createElement("form");
    form.method = "post";
    form.action = EVENT_URL;
    form.hidden = true;
    var input = doc.createElement("input");
    input.type = "hidden";
    input.name = "action";
    input.value = action;
    form.appendChild(input);
    doc.body.appendChild(form);
    /* form.submit() fires no submit event. */
    setState("leaving");
    form.submit();
  }

  function each(list, fn) {
    Array.prototype.forEach.call(list, fn);
  }

  /* ---- page state: `data-kiosk` on <html> ----
     "loading" until the script has set the page up and listens to the host's events,
     "ready" then (the screen is stable: what it shows is what the host has), "leaving" once
     the page goes away (a form was sent, a link followed, a reload asked for). Tests wait
     for "ready" rather than guessing; the script itself reloads only a "ready" page. */

  var root = doc.documentElement;

  function setState(state) {
    root.setAttribute("data-kiosk", state);
  }

  function leaving() {
    return root.getAttribute("data-kiosk") === "leaving";
  }

  setState("loading");
  /* Any form sent (by a button or by this script) or link followed starts a navigation:
     nothing else may start another one on top of it. */
  doc.addEventListener("submit", function (ev) {
    if (!ev.defaultPrevented) {
      setState("leaving");
    }
  });
  doc.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[href]");
    if (link && !ev.defaultPrevented && !link.target) {
      setState("leaving");
    }
  });
  window.addEventListener("beforeunload", function () {
    setState("leaving");
  });

  /* ---- PIN fields ---- */

  var pinFields = [];

  function showDots(field) {
    var dots = doc.querySelector('[data-dots-for="' + field.id + '"]');
    if (!dots) {
      return;
    }
    var n = field.value.length;
    each(dots.children, function (dot, i) {
      dot.classList.toggle("on", i < n);
    });
  }

  function clearPins() {
    each(pinFields, function (field) {
      field.value = "";
      showDots(field);
    });
  }

  function setupPinPad() {
    var form = doc.querySelector("form[data-pin-form]");
    if (!form) {
      return;
    }
    pinFields = Array.prototype.slice.call(form.querySelectorAll("input[data-pin]"));
    if (!pinFields.length) {
      return;
    }
    var active = pinFields[0];

    function activate(field) {
      active = field;
      each(pinFields, function (f) {
        f.parentNode.classList.toggle("active", f === field);
      });
    }

    function nextEmpty() {
      for (var i = 0; i < pinFields.length; i += 1) {
        if (pinFields[i].value.length < PIN_LENGTH) {
          return pinFields[i];
        }
      }
      return null;
    }

    each(pinFields, function (field) {
      /* The on-screen pad replaces the system keyboard. */
      field.setAttribute("inputmode", "none");
      field.addEventListener("focus", function () {
        activate(field);
      });
      field.addEventListener("input", function () {
        var digits = field.value.replace(/[^0-9]/g, "").slice(0, PIN_LENGTH);
        if (digits !== field.value) {
          field.value = digits;
        }
        showDots(field);
      });
    });

    var pad = form.querySelector("[data-pin-pad]");
    if (pad) {
      pad.hidden = false;
      /* Keep the focus in the field while a key is pressed with a pointer. */
      pad.addEventListener("mousedown", function (ev) {
        if (ev.target.closest("[data-key]")) {
          ev.preventDefault();
        }
      });
      pad.addEventListener("click", function (ev) {
        var key = ev.target.closest("[data-key]");
        if (!key) {
          return;
        }
        var k = key.getAttribute("data-key");
        if (k === "clear") {
          active.value = "";
        } else if (k === "back") {
          /* In an empty field, the backspace goes back into the field before it. */
          var index = pinFields.indexOf(active);
          if (!active.value && index > 0) {
            activate(pinFields[index - 1]);
            active.focus();
          }
          active.value = active.value.slice(0, -1);
        } else if (/^[0-9]$/.test(k) && active.value.length < PIN_LENGTH) {
          active.value += k;
        }
        showDots(active);
        if (active.value.length === PIN_LENGTH) {
          var next = nextEmpty();
          if (next) {
            activate(next);
            next.focus();
          }
        }
      });
    }

    activate(nextEmpty() || pinFields[0]);
    /* The form's data are taken when the submit event has run: empty the fields right after. */
    form.addEventListener("submit", function () {
      setTimeout(clearPins, 0);
    });
    window.addEventListener("pagehide", clearPins);
  }

  /* ---- idle countdown ---- */

  function setupCountdown() {
    var box = doc.getElementById("countdown");
    if (!box) {
      return;
    }
    var total = parseInt(box.getAttribute("data-idle"), 10);
    if (!(total > 0)) {
      return;
    }
    var shown = doc.getElementById("countdown-s");
    var live = doc.getElementById("countdown-live");
    var warnAt = Math.min(15, Math.ceil(total / 4));
    /* Issue 22: 20 s before the end a full-screen "还需要时间吗？" with a large 继续 and its
       voice prompt (always spoken: whoever is there may not be looking). */
    var askAt = Math.min(20, Math.max(1, total - 5));
    var ask = doc.getElementById("still-there");
    var askShown = ask ? ask.querySelector("[data-still-there-s]") : null;
    var deadline = 0;
    var warned = false;
    var asked = false;
    var timer = null;

    function tick() {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (shown) {
        shown.textContent = String(left);
      }
      if (askShown) {
        askShown.textContent = String(left);
      }
      if (ask && left <= askAt && !asked) {
        asked = true;
        ask.hidden = false;
        var button = ask.querySelector("[data-continue]");
        if (button) {
          button.focus();
        }
        playVoice(ask.getAttribute("data-still-voice"));
      }
      if (left <= warnAt && !warned) {
        warned = true;
        box.classList.add("soon");
        if (live) {
          live.textContent = live.getAttribute("data-soon") || "";
          if (doc.body.classList.contains("elderly")) {
            playVoice(live.getAttribute("data-soon-voice"));
          }
        }
      }
      if (left === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
        clearPins();
        post("timeout");
      }
    }

    function reset() {
      deadline = Date.now() + total * 1000;
      warned = false;
      asked = false;
      if (ask) {
        ask.hidden = true;
      }
      box.classList.remove("soon");
      if (live) {
        live.textContent = "";
      }
      tick();
    }

    reset();
    timer = setInterval(tick, 500);

    /* Touching or typing is activity: someone typing an address on the keyboards is not
       idle. The countdown starts again at once; the host, which ends idle sessions by its own
       clock, is told in the background, at most once per ACTIVITY_PING_MS (an `activity`
       event changes nothing on the screen, so it must not reload the page either). */
    var lastPing = Date.now();
    function activity(ev) {
      if (timer === null || leaving()) {
        return;
      }
      /* A touch on the full-screen question is its 继续 (which asks for more time itself): the
         question must stay until that press lands. */
      if (ask && !ask.hidden && ev && ask.contains(ev.target)) {
        return;
      }
      reset();
      if (Date.now() - lastPing < ACTIVITY_PING_MS || !window.fetch || !window.URLSearchParams) {
        return;
      }
      lastPing = Date.now();
      quietPost("activity").catch(function () {});
    }
    doc.addEventListener("pointerdown", activity, true);
    doc.addEventListener("keydown", activity, true);

    /* "More time" without leaving the page, so that nothing typed is lost; a plain form
       post if that fails. */
    each(box.querySelectorAll("form[data-more-time]"), function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.fetch || !window.URLSearchParams || timer === null) {
          return;
        }
        ev.preventDefault();
        quietPost("more_time")
          .then(function (response) {
            if (response.ok) {
              reset();
            } else {
              setState("leaving");
              form.submit();
            }
          })
          .catch(function () {
            setState("leaving");
            form.submit();
          });
      });
    });
  }

  /* ---- live events from the host ---- */

  /* A `session` event says the host's session changed: show it by loading /session again.
     Events come in bursts (a card read, then the business going on), so the reload waits a
     moment and happens once; none while the page is already leaving (a form just sent
     redirects to the new screen by itself, and a second navigation would abort it). */
  var RELOAD_DELAY_MS = 120;
  /* Requests of this page that change no screen (more time, activity): while one is under
     way, and a moment after its answer (the event may come after it), `session` events are
     its own. */
  var ownRequests = 0;
  var OWN_EVENT_GRACE_MS = 300;

  /* Posts a session `action` that changes nothing on the screen, without leaving the page:
     the host announces every input as a `session` event, and this one must not reload the
     page (and lose what was typed). Resolves with the response. */
  function quietPost(action) {
    var body = new URLSearchParams();
    body.append("action", action);
    ownRequests += 1;
    var settled = function () {
      setTimeout(function () {
        ownRequests -= 1;
      }, OWN_EVENT_GRACE_MS);
    };
    return fetch(EVENT_URL, { method: "POST", body: body, credentials: "same-origin" }).then(
      function (response) {
        settled();
        return response;
      },
      function (error) {
        settled();
        throw error;
      }
    );
  }
  /* How often, at most, a page being touched tells the host its citizen is still there. */
  var ACTIVITY_PING_MS = 5000;

  function setupEvents() {
    if (!window.EventSource) {
      setState("ready");
      return;
    }
    var source = new EventSource("/api/events");
    var reloadTimer = null;
    source.addEventListener("open", function () {
      if (!leaving() && reloadTimer === null) {
        setState("ready");
      }
    });
    source.addEventListener("session", function () {
      if (leaving() || reloadTimer !== null || ownRequests > 0) {
        return;
      }
      /* Not stable any more: the screen shown is out of date. */
      setState("reloading");
      reloadTimer = setTimeout(function () {
        if (leaving()) {
          return;
        }
        setState("leaving");
        source.close();
        clearPins();
        location.replace("/session");
      }, RELOAD_DELAY_MS);
    });
    source.addEventListener("device", function (ev) {
      var status = doc.getElementById("device-status");
      if (!status) {
        return;
      }
      var data;
      try {
        data = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (data && typeof data.message === "string") {
        status.textContent = data.message;
      }
    });
    window.addEventListener("pagehide", function () {
      source.close();
    });
  }

  /* A page brought back from the back-forward cache shows a state that is gone. */
  window.addEventListener("pageshow", function (ev) {
    if (ev.persisted) {
      setState("leaving");
      clearPins();
      location.reload();
    }
  });

  /* ---- the face match: its result arrives with no touch ----
     The host announces it as a `session` event, but an event sent before this page's
     EventSource connected is lost, and the page would show the match running until the
     session timed out (seen on a loaded machine). So while the match runs, the page also
     asks the host every 2 s, and goes to the new screen once the match is over. */
  var FACE_WATCH_MS = 2000;

  function setupFaceWatch() {
    if (!doc.querySelector(".face-match") || !window.fetch) {
      return;
    }
    var timer = setInterval(function () {
      if (leaving()) {
        clearInterval(timer);
        return;
      }
      fetch("/api/session", { credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (page) {
          var face = page && page.screen ? page.screen.face : null;
          if (!page || leaving() || (face && face.face === "matching")) {
            return;
          }
          clearInterval(timer);
          setState("leaving");
          clearPins();
          location.replace("/session");
        })
        .catch(function () {});
    }, FACE_WATCH_MS);
  }

  /* ---- camera preview ---- */

  function setupPreview() {
    var img = doc.getElementById("preview");
    if (!img) {
      return;
    }
    var base = img.getAttribute("src").split("?")[0];
    var timer = null;
    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (doc.getElementById("preview") === img) {
          img.src = base + "?t=" + Date.now();
        }
      }, delay);
    }
    img.addEventListener("load", function () {
      schedule(500);
    });
    img.addEventListener("error", function () {
      schedule(2000);
    });
    if (img.complete) {
      schedule(500);
    }
  }

  /* ---- rating: choose a level, then send (reasons only with the two lowest) ---- */

  function setupRating() {
    var form = doc.querySelector("form[data-rating]");
    if (!form) {
      return;
    }
    var send = form.querySelector("[data-rating-submit]");
    if (!send) {
      return;
    }
    var reasons = form.querySelector("[data-rating-reasons]");
    var levels = form.querySelectorAll('button[name="level"]');
    if (reasons) {
      reasons.hidden = true;
    }
    each(levels, function (button) {
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function (ev) {
        ev.preventDefault();
        var low = button.value === "1" || button.value === "2";
        each(levels, function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        if (reasons) {
          reasons.hidden = !low;
          if (!low) {
            each(reasons.querySelectorAll("input[type=checkbox]"), function (box) {
              box.checked = false;
            });
          }
        }
        send.name = "level";
        send.value = button.value;
        send.hidden = false;
      });
    });
  }

  /* ---- on-screen keyboards ----
     Each keyboard (.kbd[data-kbd-for]) is bound to one field and shown while that field is the
     one being filled in; its keys are buttons, so they work by touch, by Tab and Enter, and with
     a screen reader. A pointer press keeps the focus in the field. The pinyin layer composes
     letters into a candidate bar fed by /static/pinyin.json (see ui-web/src/keyboard.rs). */

  var CANDIDATES_PER_PAGE = 8;
  var pinyinData = null;
  var pinyinWaiting = [];

  function loadPinyin(then) {
    if (pinyinData) {
      then();
      return;
    }
    pinyinWaiting.push(then);
    if (pinyinWaiting.length > 1 || !window.fetch) {
      return;
    }
    fetch("/static/pinyin.json", { credentials: "same-origin" })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (json) {
        if (!json) {
          return;
        }
        var words = json.words.map(function (w, rank) {
          var syl = w[0].split(" ");
          return {
            syl: syl,
            py: syl.join(""),
            initials: syl
              .map(function (x) {
                return x.charAt(0);
              })
              .join(""),
            word: w[1],
            rank: rank,
          };
        });
        pinyinData = { chars: json.chars, words: words };
        var waiting = pinyinWaiting;
        pinyinWaiting = [];
        waiting.forEach(function (f) {
          f();
        });
      })
      .catch(function () {});
  }

  /* The longest syllable `buffer` starts with, or "". */
  function firstSyllable(buffer) {
    for (var n = Math.min(6, buffer.length); n > 0; n -= 1) {
      if (pinyinData.chars[buffer.slice(0, n)]) {
        return buffer.slice(0, n);
      }
    }
    return "";
  }

  /* Candidates for the letters typed: { text, consume } where consume is how many letters
     choosing it uses up. Words spelled exactly, then the characters of a whole syllable, then
     words that begin with the letters or whose initials they are, then words and characters
     for the first syllables. */
  function pinyinCandidates(buffer) {
    var out = [];
    var seen = {};
    if (!pinyinData || !buffer) {
      return out;
    }
    function add(text, consume) {
      if (!seen[text]) {
        seen[text] = true;
        out.push({ text: text, consume: consume });
      }
    }
    function chars(syllable, consume, limit) {
      var list = Array.from(pinyinData.chars[syllable] || "");
      list.slice(0, limit || list.length).forEach(function (c) {
        add(c, consume);
      });
    }
    var words = pinyinData.words;
    var n = buffer.length;
    words.forEach(function (w) {
      if (w.py === buffer) add(w.word, n);
    });
    chars(buffer, n, 40);
    var prefixed = 0;
    words.forEach(function (w) {
      if (prefixed < 24 && w.py.length > n && w.py.indexOf(buffer) === 0) {
        prefixed += 1;
        add(w.word, n);
      }
    });
    if (n >= 2) {
      words.forEach(function (w) {
        if (w.initials === buffer) add(w.word, n);
      });
    }
    /* Words spelled by the start of the letters, longest first (昌吉 for changjiyan). */
    words
      .filter(function (w) {
        return w.py.length < n && buffer.indexOf(w.py) === 0;
      })
      .sort(function (a, b) {
        return b.py.length - a.py.length || a.rank - b.rank;
      })
      .slice(0, 12)
      .forEach(function (w) {
        add(w.word, w.py.length);
      });
    var first = firstSyllable(buffer);
    if (first && first !== buffer) {
      chars(first, first.length, 40);
    }
    if (!first) {
      /* Not a syllable yet (zh, ch …): the commonest characters of the syllables it begins. */
      Object.keys(pinyinData.chars)
        .filter(function (s) {
          return s.indexOf(buffer) === 0;
        })
        .forEach(function (s) {
          chars(s, n, 3);
        });
    }
    return out;
  }

  /* Types `text` into `field` where its caret is, within its maxlength. */
  function typeInto(field, text) {
    var start = field.selectionStart;
    var end = field.selectionEnd;
    if (start === null || start === undefined) {
      start = end = field.value.length;
    }
    var max = field.maxLength > 0 ? field.maxLength : Infinity;
    var room = max - (field.value.length - (end - start));
    if (room <= 0) {
      return;
    }
    field.setRangeText(text.slice(0, room), start, end, "end");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function deleteBefore(field) {
    var start = field.selectionStart;
    var end = field.selectionEnd;
    if (start === null || start === undefined) {
      start = end = field.value.length;
    }
    if (start === end) {
      if (start === 0) {
        return;
      }
      /* A character outside the BMP is two code units. */
      var code = field.value.charCodeAt(start - 1);
      start -= code >= 0xdc00 && code <= 0xdfff && start > 1 ? 2 : 1;
    }
    field.setRangeText("", start, end, "end");
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function clearField(field) {
    field.value = "";
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function makeKeyboard(board, field) {
    var kind = board.getAttribute("data-kbd-kind");
    var kb = { board: board, field: field, kind: kind, buffer: "", page: 0, layer: null, shift: false };
    var compose = board.querySelector("[data-kbd-compose]");
    var bufferOut = board.querySelector("[data-kbd-buffer]");
    var bar = board.querySelector("[data-kbd-candidates]");
    var count = board.querySelector("[data-kbd-count]");
    var list = [];

    /* The on-screen keyboard replaces the system one. */
    field.setAttribute("inputmode", "none");

    function showCount() {
      if (!count) {
        return;
      }
      var max = count.getAttribute("data-max");
      count.textContent = (count.getAttribute("data-template") || "")
        .replace("{0}", String(field.value.length))
        .replace("{1}", max);
    }

    function renderCandidates() {
      if (!bar) {
        return;
      }
      list = pinyinCandidates(kb.buffer);
      var pages = Math.max(1, Math.ceil(list.length / CANDIDATES_PER_PAGE));
      kb.page = Math.min(kb.page, pages - 1);
      bufferOut.textContent = kb.buffer;
      bar.textContent = "";
      list.slice(kb.page * CANDIDATES_PER_PAGE, (kb.page + 1) * CANDIDATES_PER_PAGE).forEach(function (c, i) {
        var b = doc.createElement("button");
        b.type = "button";
        b.className = "key cand";
        b.setAttribute("data-cand", String(kb.page * CANDIDATES_PER_PAGE + i));
        b.textContent = c.text;
        bar.appendChild(b);
      });
      each(board.querySelectorAll("[data-kbd-page]"), function (b) {
        var step = parseInt(b.getAttribute("data-kbd-page"), 10);
        b.disabled = step < 0 ? kb.page === 0 : kb.page >= pages - 1;
      });
    }

    function choose(index) {
      var c = list[index];
      if (!c) {
        return;
      }
      typeInto(field, c.text);
      kb.buffer = kb.buffer.slice(c.consume);
      kb.page = 0;
      renderCandidates();
    }

    /* Letters typed so far become the first candidate (or stay letters when none fits). */
    function commitBuffer() {
      if (!kb.buffer) {
        return;
      }
      if (list.length) {
        choose(0);
        commitBuffer();
      } else {
        typeInto(field, kb.buffer);
        kb.buffer = "";
        renderCandidates();
      }
    }

    function setLayer(name) {
      if (kb.buffer) {
        commitBuffer();
      }
      kb.layer = name;
      each(board.querySelectorAll("[data-kbd-layer]"), function (tab) {
        tab.setAttribute("aria-pressed", tab.getAttribute("data-kbd-layer") === name ? "true" : "false");
      });
      each(board.querySelectorAll(".kbd-layer"), function (layer) {
        layer.hidden = layer.getAttribute("data-layer") !== name;
      });
      if (compose) {
        compose.hidden = name !== "pinyin";
      }
      if (name === "pinyin") {
        loadPinyin(renderCandidates);
      }
      setShift(false);
    }

    function setShift(on) {
      kb.shift = on;
      each(board.querySelectorAll(".kbd-layer"), function (layer) {
        var shifted = layer.querySelector('.kbd-rows[data-shift="on"]');
        var plain = layer.querySelector('.kbd-rows[data-shift="off"]');
        if (shifted && plain) {
          shifted.hidden = !on;
          plain.hidden = on;
        }
      });
      each(board.querySelectorAll('[data-k="{shift}"]'), function (k) {
        k.setAttribute("aria-pressed", on ? "true" : "false");
      });
    }

    function press(k) {
      var pinyin = kb.kind === "text" && kb.layer === "pinyin";
      if (k === "{clear}") {
        clearField(field);
      } else if (k === "{bksp}") {
        if (pinyin && kb.buffer) {
          kb.buffer = kb.buffer.slice(0, -1);
          kb.page = 0;
          renderCandidates();
        } else {
          deleteBefore(field);
        }
      } else if (k === "{shift}") {
        setShift(!kb.shift);
      } else if (k === "{space}") {
        if (pinyin && kb.buffer) {
          commitBuffer();
        } else {
          typeInto(field, " ");
        }
      } else if (pinyin && /^[a-z]$/.test(k)) {
        kb.buffer += k;
        kb.page = 0;
        renderCandidates();
      } else {
        if (pinyin) {
          commitBuffer();
        }
        typeInto(field, k);
        if (kb.shift) {
          setShift(false);
        }
      }
      showCount();
    }

    board.hidden = false;
    /* Keep the focus in the field while a key is pressed with a pointer. */
    board.addEventListener("mousedown", function (ev) {
      if (ev.target.closest("button")) {
        ev.preventDefault();
      }
    });
    board.addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b || b.disabled) {
        return;
      }
      if (b.hasAttribute("data-k")) {
        press(b.getAttribute("data-k"));
      } else if (b.hasAttribute("data-cand")) {
        choose(parseInt(b.getAttribute("data-cand"), 10));
      } else if (b.hasAttribute("data-kbd-layer")) {
        setLayer(b.getAttribute("data-kbd-layer"));
      } else if (b.hasAttribute("data-kbd-page")) {
        kb.page += parseInt(b.getAttribute("data-kbd-page"), 10);
        renderCandidates();
      }
    });

    /* A hardware keyboard, where there is one: pinyin composes as on the screen (Space or a
       digit chooses, Enter keeps the letters, Escape drops them); digits and codes are
       cleaned as they are typed. */
    field.addEventListener("keydown", function (ev) {
      if (kb.kind !== "text" || kb.layer !== "pinyin" || ev.ctrlKey || ev.altKey || ev.metaKey) {
        return;
      }
      var key = ev.key;
      if (/^[a-zA-Z]$/.test(key)) {
        kb.buffer += key.toLowerCase();
        kb.page = 0;
        renderCandidates();
      } else if (!kb.buffer) {
        return;
      } else if (key === "Backspace") {
        press("{bksp}");
      } else if (key === " ") {
        commitBuffer();
      } else if (key === "Enter") {
        typeInto(field, kb.buffer);
        kb.buffer = "";
        renderCandidates();
      } else if (key === "Escape") {
        kb.buffer = "";
        renderCandidates();
      } else if (/^[1-8]$/.test(key)) {
        choose(kb.page * CANDIDATES_PER_PAGE + parseInt(key, 10) - 1);
      } else {
        return;
      }
      ev.preventDefault();
    });
    field.addEventListener("input", function () {
      if (kb.kind === "digits") {
        var digits = field.value.replace(/[^0-9]/g, "");
        if (digits !== field.value) {
          field.value = digits;
        }
      } else if (kb.kind === "code") {
        var code = field.value.toUpperCase().replace(/[^A-Z0-9-]/g, "");
        if (code !== field.value) {
          field.value = code;
        }
      }
      showCount();
    });
    /* Letters still being composed go in before the form is sent. */
    if (field.form) {
      field.form.addEventListener("submit", function () {
        commitBuffer();
      });
    }

    if (kind === "text") {
      var first = board.querySelector("[data-kbd-layer]");
      setLayer(first ? first.getAttribute("data-kbd-layer") : "latin");
    }
    showCount();
    return kb;
  }

  function setupKeyboards() {
    var keyboards = [];
    each(doc.querySelectorAll(".kbd[data-kbd-for]"), function (board) {
      var field = doc.getElementById(board.getAttribute("data-kbd-for"));
      if (field) {
        keyboards.push(makeKeyboard(board, field));
      }
    });
    if (!keyboards.length) {
      return;
    }
    function show(active) {
      keyboards.forEach(function (kb) {
        kb.board.hidden = kb !== active;
        kb.field.parentNode.classList.toggle("kbd-active", kb === active);
      });
    }
    keyboards.forEach(function (kb) {
      kb.field.addEventListener("focus", function () {
        show(kb);
      });
    });
    /* The first field's keyboard is shown from the start. */
    show(keyboards[0]);
  }

  /* ---- the division picker ----
     The <select name="division"> stays the form's value; the picker above it offers the
     prefecture, then its counties, then the county's towns as buttons. */

  function setupDivisionPicker() {
    var select = doc.querySelector("select[data-division-picker]");
    if (!select) {
      return;
    }
    var prefectures = [];
    var byCode = {};
    each(select.querySelectorAll("optgroup[data-prefecture]"), function (group) {
      var code = group.getAttribute("data-prefecture");
      if (!byCode[code]) {
        byCode[code] = { code: code, name: group.getAttribute("data-prefecture-name"), children: [] };
        prefectures.push(byCode[code]);
      }
      each(group.querySelectorAll("option"), function (opt) {
        var node = { code: opt.value, name: opt.textContent, children: [] };
        byCode[node.code] = node;
        var parent = byCode[opt.getAttribute("data-parent")];
        if (parent) {
          parent.children.push(node);
        }
      });
    });
    if (!prefectures.length) {
      return;
    }
    var label = doc.querySelector('label[for="' + select.id + '"]');
    var picker = doc.createElement("div");
    picker.className = "division-picker";
    picker.setAttribute("role", "group");
    picker.setAttribute("lang", "zh-CN");
    if (label) {
      if (!label.id) {
        label.id = select.id + "-label";
      }
      picker.setAttribute("aria-labelledby", label.id);
      /* The label names the picker now: clicking it must not look for the hidden select. */
      label.removeAttribute("for");
    }
    select.hidden = true;
    select.parentNode.insertBefore(picker, select.nextSibling);

    var uiLang = doc.documentElement.lang;
    var state = { prefecture: prefectures[0], county: null, town: null, done: false };
    var chosen = byCode[select.value];
    if (chosen) {
      /* A value kept from before (a 6-digit county or a 9-digit town). */
      if (chosen.code.length === 9) {
        state.town = chosen;
        state.county = byCode[chosen.code.slice(0, 6)] || null;
      } else {
        state.county = chosen;
      }
      state.prefecture = byCode[chosen.code.slice(0, 4) + "00"] || state.prefecture;
      state.done = true;
    }

    function button(text, cls, onPress, pressed) {
      var b = doc.createElement("button");
      b.type = "button";
      b.className = cls;
      b.textContent = text;
      if (pressed !== undefined) {
        b.setAttribute("aria-pressed", pressed ? "true" : "false");
      }
      b.addEventListener("click", onPress);
      return b;
    }

    function heading(text) {
      var h = doc.createElement("p");
      h.className = "picker-level";
      h.setAttribute("lang", uiLang);
      h.textContent = text;
      return h;
    }

    function render() {
      select.value = state.town ? state.town.code : state.county ? state.county.code : "";
      picker.textContent = "";
      var path = doc.createElement("div");
      path.className = "picker-path";
      var change = select.getAttribute("data-change-label") || "";
      [
        [state.prefecture, function () {
          state.county = state.town = null;
          state.done = false;
          state.choosePrefecture = true;
          render();
        }],
        [state.county, function () {
          state.county = state.town = null;
          state.done = false;
          render();
        }],
        [state.town, function () {
          state.town = null;
          state.done = false;
          render();
        }],
      ].forEach(function (p) {
        if (p[0] && !(p[0] === state.prefecture && state.choosePrefecture)) {
          var b = button(p[0].name, "btn secondary picker-chosen", p[1]);
          var hint = doc.createElement("span");
          hint.className = "picker-change";
          hint.setAttribute("lang", uiLang);
          hint.textContent = change;
          b.appendChild(hint);
          path.appendChild(b);
        }
      });
      picker.appendChild(path);
      if (state.done) {
        return;
      }
      var level;
      var options;
      var grid = doc.createElement("div");
      grid.className = "picker-options";
      if (state.choosePrefecture) {
        level = select.getAttribute("data-prefecture-label");
        options = prefectures;
      } else if (!state.county) {
        level = select.getAttribute("data-county-label");
        options = state.prefecture.children;
      } else {
        level = select.getAttribute("data-town-label");
        options = state.county.children;
        grid.appendChild(
          button(select.getAttribute("data-skip-label") || "", "btn secondary picker-skip", function () {
            state.town = null;
            state.done = true;
            render();
          }),
        );
        grid.lastChild.setAttribute("lang", uiLang);
      }
      picker.appendChild(heading(level || ""));
      options.forEach(function (node) {
        grid.appendChild(
          button(node.name, "btn picker-option", function () {
            if (state.choosePrefecture) {
              state.prefecture = node;
              state.choosePrefecture = false;
            } else if (!state.county) {
              state.county = node;
              if (!node.children.length) {
                state.done = true;
              }
            } else {
              state.town = node;
              state.done = true;
            }
            render();
            var next = picker.querySelector(".picker-options button, .picker-path button:last-child");
            if (next) {
              next.focus();
            }
          }),
        );
      });
      picker.appendChild(grid);
    }
    render();
  }

  /* ---- home: the agent switch ----
     With "I am an agent" ticked, the businesses an agent may not do cannot be chosen (the host
     refuses them too). */

  function setupHome() {
    var agent = doc.querySelector("input[data-agent-switch]");
    if (!agent) {
      return;
    }
    function apply() {
      each(doc.querySelectorAll('button.tile[data-agent="false"]'), function (b) {
        /* A paused business (the agency cannot be reached) stays paused either way. */
        b.disabled = agent.checked || b.hasAttribute("data-paused");
      });
    }
    agent.addEventListener("change", apply);
    apply();
  }

  /* ---- the attract screen ----
     A page that says so (body[data-attract-after], no session open) gives way to the attract
     screen after that many seconds untouched; the attract screen goes home at a touch. */

  function setupAttract() {
    var attract = doc.querySelector("[data-attract]");
    if (attract) {
      var start = attract.querySelector("[data-attract-start]");
      attract.addEventListener("click", function (ev) {
        if (start && !ev.defaultPrevented && !ev.target.closest("a, button")) {
          start.click();
        }
      });
      return;
    }
    var after = parseInt(doc.body.getAttribute("data-attract-after"), 10);
    if (!(after > 0)) {
      return;
    }
    var timer = null;
    function restart() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!leaving()) {
          setState("leaving");
          location.assign("/attract");
        }
      }, after * 1000);
    }
    ["pointerdown", "keydown", "input", "scroll"].forEach(function (type) {
      window.addEventListener(type, restart, { passive: true, capture: true });
    });
    restart();
  }

  /* ---- spoken prompts ----
     The screen's prompt is audio the host rendered (its address in data-voice): played at
     once in elderly mode, and by the "hear it again" button in any mode. */

  var playVoice = function () {};

  function setupVoice() {
    var audio = null;
    playVoice = function (url) {
      if (!url || typeof window.Audio !== "function") {
        return;
      }
      if (audio) {
        audio.pause();
      }
      audio = new window.Audio(url);
      var playing = audio.play();
      if (playing && playing.catch) {
        /* No sound device, or autoplay refused: the text is on the screen. */
        playing.catch(function () {});
      }
    };
    window.addEventListener("pagehide", function () {
      if (audio) {
        audio.pause();
      }
    });
    var prompt = doc.querySelector("[data-voice]");
    var again = doc.querySelector("[data-hear-again]");
    if (!prompt) {
      return;
    }
    var url = prompt.getAttribute("data-voice");
    if (again) {
      again.hidden = false;
      again.addEventListener("click", function () {
        playVoice(url);
      });
    }
    if (doc.body.classList.contains("elderly")) {
      playVoice(url);
    }
  }

  setupPinPad();
  setupCountdown();
  setupEvents();
  setupPreview();
  setupFaceWatch();
  setupRating();
  setupKeyboards();
  setupDivisionPicker();
  setupHome();
  setupAttract();
  setupVoice();
})();
