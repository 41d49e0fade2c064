# SPDX-License-Identifier: AGPL-3.0-or-later
"""Access to the API (API.md "Access"): login sessions and their cookie,
logout, /me, API tokens, and what an unauthenticated request gets."""

import vdtest

t = vdtest.Run(__file__)
srv = t.server()
acme = srv.account("Acme", email="owner@acme.example", password="correct horse 1")
anon = srv.client()


def login_gives_token_and_cookie():
    st, body, h = anon.post("/api/v1/auth/login",
                            {"email": "owner@acme.example", "password": "correct horse 1"}, auth=False)
    t.status((st, body), 200, "POST /auth/login with the right password")
    t.ok(isinstance(body, dict) and isinstance(body.get("token"), str) and len(body["token"]) >= 20,
         "login answers {\"token\"}", body)
    cookie = h.get("set-cookie", "")
    t.ok(cookie.startswith("vd_session="), "Set-Cookie carries the session", cookie)
    attrs = [a.strip().lower() for a in cookie.split(";")]
    t.ok("httponly" in attrs, "session cookie is HttpOnly", cookie)
    t.ok("samesite=strict" in attrs, "session cookie is SameSite=Strict", cookie)
    t.ok("path=/" in attrs, "session cookie is for Path=/", cookie)
    pair = cookie.split(";")[0]

    by_cookie = srv.client(cookie=pair)
    st, me, _ = by_cookie.get("/api/v1/me")
    t.status((st, me), 200, "GET /me with the cookie alone")
    t.eq(me.get("user", {}).get("email") if isinstance(me, dict) else None, "owner@acme.example",
         "/me by cookie names the user")

    by_token = srv.client(token=body["token"])
    t.status(by_token.get("/api/v1/me"), 200, "GET /me with the login token as Bearer")

    # The email is matched case-insensitively (users.email COLLATE NOCASE).
    t.status(anon.post("/api/v1/auth/login",
                       {"email": "OWNER@acme.example", "password": "correct horse 1"}, auth=False),
             200, "login with the email in another case")

    # logout: the cookie stops working, and the browser is told to drop it
    st, b, h = by_cookie.post("/api/v1/auth/logout", {})
    t.status((st, b), 200, "POST /auth/logout with the cookie")
    t.ok("max-age=0" in h.get("set-cookie", "").lower(), "logout expires the cookie", h.get("set-cookie"))
    t.error(by_cookie.get("/api/v1/me"), 401, "GET /me with the logged-out cookie")
    t.status(by_token.get("/api/v1/me"), 401, "GET /me with the logged-out session's token")
    t.status(acme.get("/api/v1/me"), 200, "the API token still works after a session logout")


def wrong_password_and_unknown_email_look_alike():
    wrong = anon.post("/api/v1/auth/login",
                      {"email": "owner@acme.example", "password": "wrong"}, auth=False)
    t.error(wrong, 401, "login with a wrong password")
    t.ok("set-cookie" not in wrong[2], "a failed login sets no cookie", wrong[2].get("set-cookie"))
    unknown = anon.post("/api/v1/auth/login",
                        {"email": "nobody@acme.example", "password": "correct horse 1"}, auth=False)
    t.error(unknown, 401, "login with an unknown email")
    t.eq(unknown[1].get("error"), wrong[1].get("error"),
         "unknown email answers exactly like a wrong password")
    t.error(anon.post("/api/v1/auth/login", {"email": "owner@acme.example"}, auth=False),
            422, "login without a password", field="password")
    t.error(anon.post("/api/v1/auth/login", raw=b"{not json",
                      headers={"Content-Type": "application/json"}, auth=False),
            400, "login with a body that is not JSON")


def me_describes_user_and_account():
    st, me, _ = acme.get("/api/v1/me")
    t.status((st, me), 200, "GET /me with the API token")
    u, a = me.get("user", {}), me.get("account", {})
    t.ok(isinstance(u.get("id"), int), "/me user.id is an integer", u)
    t.eq(u.get("email"), "owner@acme.example", "/me user.email")
    t.eq(u.get("role"), "admin", "/me user.role of the account creator")
    t.ok(isinstance(a.get("id"), int), "/me account.id is an integer", a)
    t.eq(a.get("name"), "Acme", "/me account.name")


def tokens_lifecycle():
    st, created, _ = acme.post("/api/v1/tokens", {"name": "crm"})
    t.status((st, created), 201, "POST /tokens {name}")
    t.ok(isinstance(created.get("id"), int) and isinstance(created.get("token"), str),
         "the new token answers {id, token}", created)
    secret = created["token"]
    crm = srv.client(token=secret)
    t.status(crm.get("/api/v1/me"), 200, "the new token authenticates")

    st, lst, _ = acme.get("/api/v1/tokens")
    t.status((st, lst), 200, "GET /tokens")
    items = lst.get("items", [])
    mine = [i for i in items if i.get("id") == created["id"]]
    t.ok(len(mine) == 1 and mine[0].get("name") == "crm", "the list names the new token", items)
    t.ok(secret not in str(lst), "the list never shows a token's secret")
    t.ok(all("token" not in i and "token_hash" not in i for i in items),
         "list items have no token or hash field", items)
    t.ok(all(i.get("name") != "login" for i in items), "login sessions are not API tokens", items)

    t.error(acme.post("/api/v1/tokens", {}), 422, "POST /tokens without a name", field="name")
    t.error(acme.post("/api/v1/tokens", {"name": "x", "scope": "all"}), 422,
            "POST /tokens with an unknown field", field="scope")
    t.error(acme.post("/api/v1/tokens", {"name": 5}), 422, "POST /tokens with a numeric name",
            field="name")

    t.status(acme.delete("/api/v1/tokens/%d" % created["id"]), 204, "DELETE /tokens/{id}")
    t.error(crm.get("/api/v1/me"), 401, "the deleted token answers 401")
    st, lst, _ = acme.get("/api/v1/tokens")
    t.ok(all(i.get("id") != created["id"] for i in lst.get("items", [])),
         "the deleted token is gone from the list")
    t.error(acme.delete("/api/v1/tokens/%d" % created["id"]), 404, "deleting it again")
    t.error(acme.delete("/api/v1/tokens/999999"), 404, "DELETE of a token that never existed")


def unauthenticated_requests():
    t.error(anon.get("/api/v1/me"), 401, "GET /me without Authorization")
    t.error(anon.get("/api/v1/trunks"), 401, "GET /trunks without Authorization")
    garbage = srv.client(token="not-a-real-token-at-all")
    t.error(garbage.get("/api/v1/me"), 401, "a garbage Bearer token")
    t.error(anon.get("/api/v1/me", headers={"Authorization": "Bearer "}, auth=False), 401,
            "an empty Bearer token")
    t.error(anon.get("/api/v1/me", headers={"Authorization": "Basic " + "QWxhZGRpbjpvcGVu"},
                     auth=False), 401, "Basic authentication is not accepted")
    t.error(anon.get("/api/v1/me", headers={"Authorization": "Bearer " + "x" * 5000},
                     auth=False), 401, "an absurdly long token")
    t.error(anon.get("/api/v1/me", headers={"Cookie": "vd_session=garbage-cookie-value"},
                     auth=False), 401, "a garbage session cookie")
    # A token with the right prefix but a changed last character.
    flipped = acme.token[:-1] + ("A" if acme.token[-1] != "A" else "B")
    t.error(srv.client(token=flipped).get("/api/v1/me"), 401, "a token off by one character")


def service_and_routing():
    st, body, _ = anon.get("/healthz", auth=False)
    t.status((st, body), 200, "GET /healthz needs no authentication")
    t.eq(body.get("status") if isinstance(body, dict) else None, "ok", "/healthz says ok")
    t.status(anon.get("/metrics", auth=False), 200, "GET /metrics")
    t.error(acme.get("/api/v1/no-such-thing"), 404, "an unknown API path")
    t.error(acme.get("/nothing/here"), 404, "an unknown path outside the API")
    t.error(acme.get("/api/v1/trunks/abc"), 404, "a non-numeric id")
    t.error(acme.request("PATCH", "/api/v1/trunks", body={}), 405, "PATCH on a collection")
    t.error(acme.delete("/api/v1/me"), 405, "DELETE /me")
    t.error(acme.request("PUT", "/api/v1/auth/login", body={}), 405, "PUT /auth/login")
    st, _, h = acme.delete("/api/v1/me")
    t.ok("GET" in h.get("allow", ""), "405 lists the allowed methods in Allow", h.get("allow"))


t.case(login_gives_token_and_cookie)
t.case(wrong_password_and_unknown_email_look_alike)
t.case(me_describes_user_and_account)
t.case(tokens_lifecycle)
t.case(unauthenticated_requests)
t.case(service_and_routing)
t.done()
