/* kiosk.js: the few things a plain HTML page cannot do by itself. Every screen works without
   it; with it: the idle countdown, live device and session events, the on-screen PIN pad,
   the photo preview, the two-step rating, and spoken prompts in elderly mode.
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
    var deadline = 0;
    var warned = false;
    var timer = null;

    function tick() {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (shown) {
        shown.textContent = String(left);
      }
      if (left <= warnAt && !warned) {
        warned = true;
        box.classList.add("soon");
        if (live) {
          live.textContent = live.getAttribute("data-soon") || "";
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
      box.classList.remove("soon");
      if (live) {
        live.textContent = "";
      }
      tick();
    }

    reset();
    timer = setInterval(tick, 500);

    /* "More time" without leaving the page, so that nothing typed is lost; a plain form
       post if that fails. */
    each(box.querySelectorAll("form[data-more-time]"), function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.fetch || !window.URLSearchParams || timer === null) {
          return;
        }
        ev.preventDefault();
        var body = new URLSearchParams();
        body.append("action", "more_time");
        /* The host announces every input as a `session` event: this one changes nothing on
           the screen, so it must not reload the page (and lose what was typed). */
        ownRequests += 1;
        fetch(EVENT_URL, { method: "POST", body: body, credentials: "same-origin" })
          .then(function (response) {
            setTimeout(function () {
              ownRequests -= 1;
            }, OWN_EVENT_GRACE_MS);
            if (response.ok) {
              reset();
            } else {
              setState("leaving");
              form.submit();
            }
          })
          .catch(function () {
            ownRequests -= 1;
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
  /* Requests of this page that change no screen (more time): while one is under way, and a
     moment after its answer (the event may come after it), `session` events are its own. */
  var ownRequests = 0;
  var OWN_EVENT_GRACE_MS = 300;

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

  /* ---- spoken prompts in elderly mode ---- */

  function setupSpeech() {
    if (!doc.body.classList.contains("elderly")) {
      return;
    }
    var synth = window.speechSynthesis;
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
      return;
    }
    var el = doc.querySelector("[data-speak]");
    if (!el) {
      return;
    }
    var text = (el.innerText || el.textContent || "").trim();
    if (!text) {
      return;
    }
    var lang = doc.documentElement.lang || "zh-CN";
    var done = false;

    function pickVoice(voices) {
      var want = lang.toLowerCase();
      var base = want.split("-")[0];
      var near = null;
      for (var i = 0; i < voices.length; i += 1) {
        var tag = String(voices[i].lang).toLowerCase().replace("_", "-");
        if (tag === want) {
          return voices[i];
        }
        if (!near && tag.split("-")[0] === base) {
          near = voices[i];
        }
      }
      return near;
    }

    function speak() {
      if (done) {
        return;
      }
      var voices = synth.getVoices();
      if (!voices.length) {
        return;
      }
      done = true;
      var voice = pickVoice(voices);
      /* No voice for this language: silence rather than another language's reading. */
      if (!voice) {
        return;
      }
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      utterance.voice = voice;
      utterance.rate = 0.9;
      synth.cancel();
      synth.speak(utterance);
    }

    speak();
    if (!done && synth.addEventListener) {
      synth.addEventListener("voiceschanged", speak);
    }
    window.addEventListener("pagehide", function () {
      synth.cancel();
    });
  }

  setupPinPad();
  setupCountdown();
  setupEvents();
  setupPreview();
  setupRating();
  setupSpeech();
})();
