/* Signing in through allauth's app API, for the pages written in plain JavaScript
   (Campus's dashboard, SmartQueue's KPI page and agent console).

     var session = new TerangaSession({
       prefix: "campus",                 // sessionStorage keys: campus.access, campus.refresh
       api: "/api/v1/campus/",           // prefixed to the paths of get() and send()
       messages: T,                      // the page's words: bad_credentials, session_expired, error
       onExpired: function () { ... }    // the tokens are gone: show the sign-in form
     });

   signIn(email, password)  POST /_allauth/app/v1/auth/login; keeps the JWT access and
                            refresh tokens. Resolves true; rejects with an Error whose
                            reason is "bad_credentials" (the server said no) or "network".
   refresh()                POST /_allauth/app/v1/tokens/refresh; resolves true or false.
   signOut()                DELETE /_allauth/app/v1/auth/session, then forgets the tokens
                            whatever the answer; always resolves.
   forget()                 forgets the tokens (no request).
   get(path, params)        GET api + path + "?" + params (null and "" left out).
   send(method, path, body) any method, body sent as JSON when given.
                            Both carry "Authorization: Bearer" and "Accept-Language" and
                            resolve with {status, ok, body, error}: body is the parsed JSON
                            (null for 204 or an empty answer), error the message to show
                            when !ok (the API's error.message, else messages.error + status).
                            On a 401 they refresh the access token and try once more; when
                            that fails too the tokens are forgotten, onExpired is called and
                            they reject with an Error whose reason is "session_expired".
   signedIn(), token()      whether an access token is kept; the access token.

   No inline script anywhere (the CSP allows script-src 'self'): the templates load this
   file with {% static 'core/app-session.js' %} before the page's own script. */
(function () {
  "use strict";

  var AUTH = "/_allauth/app/v1";

  function failure(message, reason, status) {
    var error = new Error(message);
    error.reason = reason;
    if (status !== undefined) error.status = status;
    return error;
  }

  function TerangaSession(options) {
    if (!(this instanceof TerangaSession)) return new TerangaSession(options);
    options = options || {};
    if (!options.prefix) throw new Error("TerangaSession needs a storage-key prefix.");
    this.accessKey = options.prefix + ".access";
    this.refreshKey = options.prefix + ".refresh";
    this.api = options.api || "";
    this.language = options.language || document.documentElement.lang || "fr";
    this.messages = options.messages || {};
    this.onExpired = options.onExpired || function () {};
    this.refreshing = null;
  }

  TerangaSession.prototype.token = function () {
    return sessionStorage.getItem(this.accessKey);
  };

  TerangaSession.prototype.signedIn = function () {
    return !!this.token();
  };

  TerangaSession.prototype.keep = function (tokens) {
    sessionStorage.setItem(this.accessKey, tokens.access_token);
    if (tokens.refresh_token) sessionStorage.setItem(this.refreshKey, tokens.refresh_token);
  };

  TerangaSession.prototype.forget = function () {
    sessionStorage.removeItem(this.accessKey);
    sessionStorage.removeItem(this.refreshKey);
  };

  TerangaSession.prototype.signIn = function (email, password) {
    var self = this;
    var words = this.messages;
    return fetch(AUTH + "/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": this.language },
      body: JSON.stringify({ email: email, password: password })
    }).catch(function () {
      throw failure(words.error || "Network error", "network");
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        var meta = body && body.meta;
        if (!response.ok || !meta || !meta.access_token) {
          throw failure(words.bad_credentials || "Wrong email or password.", "bad_credentials", response.status);
        }
        self.keep(meta);
        return true;
      });
    });
  };

  TerangaSession.prototype.refresh = function () {
    var self = this;
    var refreshToken = sessionStorage.getItem(this.refreshKey);
    if (!refreshToken) return Promise.resolve(false);
    // Requests answered 401 together share one refresh (the refresh token may rotate).
    if (this.refreshing) return this.refreshing;
    this.refreshing = fetch(AUTH + "/tokens/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": this.language },
      body: JSON.stringify({ refresh_token: refreshToken })
    }).then(function (response) { return response.ok ? response.json() : null; }).then(function (body) {
      var data = body && (body.data || body.meta);
      if (!data || !data.access_token) return false;
      self.keep(data);
      return true;
    }).catch(function () { return false; }).then(function (ok) {
      self.refreshing = null;
      return ok;
    });
    return this.refreshing;
  };

  TerangaSession.prototype.signOut = function () {
    var self = this;
    var token = this.token();
    var done = function () { self.forget(); return true; };
    if (!token) return Promise.resolve(done());
    return fetch(AUTH + "/auth/session", {
      method: "DELETE",
      headers: { Authorization: "Bearer " + token, "Accept-Language": this.language }
    }).then(done, done);
  };

  TerangaSession.prototype.get = function (path, params) {
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (name) {
      var value = params[name];
      if (value !== null && value !== undefined && value !== "") query.set(name, value);
    });
    var text = query.toString();
    return this.send("GET", path + (text ? "?" + text : ""));
  };

  TerangaSession.prototype.send = function (method, path, body, retried) {
    var self = this;
    var words = this.messages;
    var headers = { Accept: "application/json", "Accept-Language": this.language };
    if (this.token()) headers.Authorization = "Bearer " + this.token();
    var init = { method: method, headers: headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(this.api + path, init).catch(function () {
      throw failure(words.error || "Network error", "network");
    }).then(function (response) {
      if (response.status === 401) {
        var again = retried ? Promise.resolve(false) : self.refresh();
        return again.then(function (ok) {
          if (ok) return self.send(method, path, body, true);
          self.forget();
          self.onExpired();
          throw failure(words.session_expired || "Session expired.", "session_expired", 401);
        });
      }
      return response.text().then(function (text) {
        var data = null;
        if (response.status !== 204 && text) {
          try { data = JSON.parse(text); } catch (error) { data = null; }
        }
        var answer = { status: response.status, ok: response.ok, body: data, error: null };
        if (!response.ok) {
          answer.error = data && data.error && data.error.message
            ? data.error.message
            : (words.error || "Error") + " " + response.status;
        }
        return answer;
      });
    });
  };

  window.TerangaSession = TerangaSession;
})();
