/* The agency's settings and branding page. Every setting is read and written through
   the API with the reader's JWT (core/app-session.js, tokens kept in sessionStorage
   under realestate.*, the same as the performance dashboard's):

     #form-branding     GET/PATCH /api/v1/organizations/{id}/            (admins and owners)
     #form-colours      GET/PATCH /api/v1/realestate/organizations/{id}/branding/
     #form-logo         PUT (multipart)/DELETE /api/v1/organizations/{id}/logo/
     #form-weights      GET/PUT   /api/v1/realestate/organizations/{id}/matching-weights/
     #form-automation   GET/PATCH /api/v1/realestate/organizations/{id}/crm-automation/
     #form-transactions GET/PATCH /api/v1/realestate/organizations/{id}/transaction-settings/

   A form whose settings the reader may not read or change says the API's answer and is
   disabled. No cookie carries the writes (the JWT is sent explicitly): no CSRF exposure. */
(function () {
  "use strict";

  function el(id) { return document.getElementById(id); }
  var T = JSON.parse(el("page-data").textContent).strings;
  var ORGANIZATION = document.body.dataset.organization;
  var FORMS = ["form-branding", "form-colours", "form-weights", "form-automation", "form-transactions"];

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function status(form, text, ok) {
    var line = form.querySelector(".status");
    line.textContent = text || "";
    line.className = "status" + (text ? (ok ? " ok" : " failed") : "");
  }

  function fill(form, values) {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || !(input.name in values) || input.type === "file") return;
      var value = values[input.name];
      if (input.type === "checkbox") input.checked = !!value;
      else input.value = value === null || value === undefined ? "" : value;
    });
  }

  function collect(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.type === "file") return;
      if (input.type === "checkbox") body[input.name] = input.checked;
      else if (input.type === "number") body[input.name] = input.value === "" ? null : Number(input.value);
      else body[input.name] = input.value;
    });
    return body;
  }

  function disable(form, disabled) {
    Array.prototype.forEach.call(form.elements, function (input) { input.disabled = disabled; });
  }

  function fieldErrors(answer) {
    var fields = answer.body && answer.body.error && answer.body.error.fields;
    if (!fields) return answer.error;
    var parts = Object.keys(fields).map(function (name) {
      var errors = fields[name];
      return name + ": " + (Array.isArray(errors) ? errors.join(" ") : String(errors));
    });
    return answer.error + " " + parts.join(" ; ");
  }

  function showLogo(url) {
    var preview = el("logo-preview");
    preview.hidden = !url;
    if (url) preview.src = url;
    else preview.removeAttribute("src");
  }

  function show(view) {
    el("login-view").hidden = view !== "login";
    el("settings-view").hidden = view !== "settings";
    el("logout").hidden = view === "login";
  }

  function signedOut() {
    show("login");
    document.body.dataset.ready = "1";
  }

  var session = new window.TerangaSession({
    prefix: "realestate",
    api: "/api/v1/",
    messages: T,
    onExpired: signedOut
  });

  function loadForm(id) {
    var form = el(id);
    return session.get(form.dataset.endpoint, {}).then(function (answer) {
      if (!answer.ok) {
        disable(form, true);
        status(form, answer.status === 403 ? T.read_only : answer.error, false);
        return answer;
      }
      fill(form, answer.body);
      // The agency's card is readable by its members; only admins and owners change it.
      disable(form, false);
      status(form, "", true);
      if (id === "form-branding") {
        el("organization-name").textContent = answer.body.name;
        showLogo(answer.body.logo);
      }
      return answer;
    });
  }

  function load() {
    return Promise.all(FORMS.map(loadForm)).then(function (answers) {
      var first = answers[0];
      if (first.status === 404) {
        show("failed");
        say(first.error);
        document.body.dataset.status = "404";
        document.body.dataset.ready = "1";
        return;
      }
      say("");
      show("settings");
      document.body.dataset.loaded = "1";
      document.body.dataset.ready = "1";
    }).catch(function (error) {
      say(error.message);
      document.body.dataset.ready = "1";
    });
  }

  FORMS.forEach(function (id) {
    var form = el(id);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status(form, "", true);
      delete form.dataset.saved;
      session.send(form.dataset.method, form.dataset.endpoint, collect(form)).then(function (answer) {
        if (!answer.ok) {
          status(form, answer.status === 403 ? T.read_only : fieldErrors(answer), false);
          return;
        }
        fill(form, answer.body);
        if (id === "form-branding") el("organization-name").textContent = answer.body.name;
        status(form, T.saved, true);
        form.dataset.saved = "1";
      }).catch(function (error) { status(form, error.message, false); });
    });
  });

  function sendLogo(method, data, retried) {
    var headers = { Accept: "application/json", "Accept-Language": session.language };
    if (session.token()) headers.Authorization = "Bearer " + session.token();
    return fetch("/api/v1/organizations/" + ORGANIZATION + "/logo/", {
      method: method, headers: headers, body: data
    }).then(function (response) {
      if (response.status === 401 && !retried) {
        return session.refresh().then(function (ok) {
          if (ok) return sendLogo(method, data, true);
          session.forget();
          signedOut();
          throw new Error(T.session_expired);
        });
      }
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (error) { body = null; }
        var message = !response.ok && body && body.error ? body.error.message : (T.error + " " + response.status);
        return { ok: response.ok, status: response.status, body: body, error: response.ok ? null : message };
      });
    });
  }

  el("form-logo").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = el("form-logo");
    var file = el("logo-file").files[0];
    if (!file) return;
    var data = new FormData();
    data.append("logo", file);
    sendLogo("PUT", data).then(function (answer) {
      if (!answer.ok) { status(form, answer.status === 403 ? T.read_only : fieldErrors(answer), false); return; }
      showLogo(answer.body.logo);
      status(form, T.saved, true);
    }).catch(function (error) { status(form, error.message, false); });
  });

  el("logo-remove").addEventListener("click", function () {
    var form = el("form-logo");
    sendLogo("DELETE", undefined).then(function (answer) {
      if (!answer.ok) { status(form, answer.status === 403 ? T.read_only : answer.error, false); return; }
      showLogo(null);
      status(form, T.logo_removed, true);
    }).catch(function (error) { status(form, error.message, false); });
  });

  el("login-view").addEventListener("submit", function (event) {
    event.preventDefault();
    say("");
    session.signIn(el("email").value, el("password").value).then(function () {
      el("password").value = "";
      return load();
    }).catch(function (error) { say(error.message); });
  });

  el("logout").addEventListener("click", function () {
    say("");
    delete document.body.dataset.status;
    session.signOut().then(signedOut);
  });

  if (session.signedIn()) load();
  else signedOut();
})();
