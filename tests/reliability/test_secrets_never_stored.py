"""No token, apiKey or password given to or issued by the simulator is written anywhere: logs, journal, state
file, recordings. Passwords are kept only as hashes."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid

import pytest
import requests
from reliability.helpers import ServeProcess

from simulator.config import DemoAccount

DEMO = DemoAccount()


def secret(kind: str) -> str:
    """A unique secret that cannot turn up anywhere by chance."""
    return f"{kind}-{uuid.uuid4().hex}"


@pytest.fixture
def run(tmp_path):
    """A server on a file database, logging every request, recording to a HAR file; its secrets and answers."""
    server = ServeProcess(
        "--db",
        str(tmp_path / "state.db"),
        "--time-scale",
        "0",
        "--verbose",
        "--no-rate-limits",
        "--record",
        str(tmp_path / "recording.har"),
    )
    try:
        yield server, tmp_path
    finally:
        server.stop()


def call(server, method, path, token=None, body=None, expect=None, raw: bytes | None = None):
    """One request (raw: the JSON body byte for byte, so a key can be spelled with escapes)."""
    headers = {"X-Auth-Token": token} if token else {}
    if path.startswith("/_sim/"):
        headers["X-Cdbsim"] = "1"
    if raw is not None:
        headers["Content-Type"] = "application/json"
    resp = requests.request(method, server.url + path, json=body, data=raw, headers=headers, timeout=10)
    assert resp.status_code < 500, (method, path, resp.status_code, resp.text)
    if expect is not None:
        assert resp.status_code == expect, (method, path, resp.status_code, resp.text)
    return resp.json() if resp.content else None


def escaped(text: str) -> str:
    """text as JSON spells it with every letter escaped (`\\u0070\\u0061...`), as a client may send a key."""
    return "".join(f"\\u{ord(c):04x}" if c.isalpha() else c for c in text)


def drive_other_spellings(server, given: dict, issued: dict, account: str) -> None:
    """Secrets under keys spelled with JSON escapes (the identity code accepts them) and in query strings."""
    for key, secret in (("apiKey", "api_key"), ("password", "password")):
        creds = "RAX-KSKEY:apiKeyCredentials" if key == "apiKey" else "passwordCredentials"
        for spelling in (key[:-1] + escaped(key[-1]), escaped(key)):
            raw = f'{{"auth": {{"{creds}": {{"username": "sec-user", "{spelling}": "{given[secret]}"}}}}}}'
            issued[f"token_by_escaped_{spelling}"] = call(server, "POST", "/v2.0/tokens", raw=raw.encode(), expect=200)[
                "access"
            ]["token"]["id"]
    raw = f'{{"auth": {{"passwordCredentials": {{"username": "sec-user", "pass\\u0077ord": "{given["wrong_pw2"]}"}}}}}}'
    call(server, "POST", "/v2.0/tokens", raw=raw.encode(), expect=401)
    token = issued["token_by_password"]
    call(server, "GET", f"/v1.0/{account}/flavors?token={given['query_token']}&limit=1", token, expect=200)
    call(server, "GET", f"/v1.0/{account}/flavors?%74oken={given['query_token2']}", token, expect=200)
    call(
        server,
        "GET",
        f"/v1.0/{account}/instances?X-Auth-Token={given['query_token3']}&password=p{given['query_password']}",
        expect=401,
    )


#: The spellings of a secret key a hostile (or careless) client may use.
SPELLINGS = (
    "Password",
    "PASSWORD",
    "apikey",
    "adminpass",
    "admin_pass",
    "api-key",
    "client_secret",
    "Token",
    "credentials",
    "rootPassword",
)


def drive_hostile_spellings(server, given: dict, account: str, token: str, instance: str) -> None:
    """Each spelling of a secret key, with each kind of value, in JSON that parses and JSON that does not, in a
    form body and a query string: to the identity call, an API call and a control call (given gets the secrets)."""
    for n, key in enumerate(SPELLINGS):
        text, number = secret(f"sp{n}"), str(900_000_000_000 + int(uuid.uuid4().int % 99_999_999_999))
        given[f"{key} as text"], given[f"{key} as number"] = text, number
        given[f"{key} in a list"], given[f"{key} in an object"] = secret(f"spl{n}"), secret(f"spo{n}")
        given[f"{key} cut short"], given[f"{key} in a form"] = secret(f"spc{n}"), secret(f"spf{n}")
        given[f"{key} in a query"] = secret(f"spq{n}")
        for value in (text, int(number), [given[f"{key} in a list"]], {"v": given[f"{key} in an object"]}):
            creds = {"auth": {"passwordCredentials": {"username": "sec-user", key: value}}}
            call(server, "POST", "/v2.0/tokens", body=creds)
            call(
                server,
                "POST",
                f"/v1.0/{account}/instances/{instance}/users",
                token,
                {"users": [{"name": f"h{n}", "password": value if key == "Password" else "pw", key: value}]},
            )
            call(server, "POST", "/_sim/accounts", body={"account_id": f"h-{n}", key: value})
        cut = f'{{"auth": {{"passwordCredentials": {{"username": "sec-user", "{key}": "{given[f"{key} cut short"]}"'
        call(server, "POST", "/v2.0/tokens", raw=cut.encode())
        form = f"username=sec-user&{key}={given[f'{key} in a form']}"
        assert (
            requests.post(
                server.url + "/v2.0/tokens",
                data=form,
                timeout=10,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ).status_code
            == 415
        )
        call(server, "GET", f"/v1.0/{account}/flavors?{key}={given[f'{key} in a query']}", token)


def wait_active(server, token, account, instance_id) -> None:
    for _ in range(200):
        shown = call(server, "GET", f"/v1.0/{account}/instances/{instance_id}", token, expect=200)
        status = shown["instance"]["status"]
        if status == "ACTIVE":
            return
        time.sleep(0.01)
    raise AssertionError(f"instance {instance_id} stayed {status}")


def drive(server) -> dict[str, str]:
    """Every way a secret enters or leaves the simulator; returns the secrets by what they are."""
    given = {
        "api_key": secret("apikey"),
        "password": secret("password"),
        "fixed_token": secret("token"),
        "wrong_api_key": secret("wrongkey"),
        "wrong_password": secret("wrongpw"),
        "bad_token": secret("badtok"),
        "user_pw1": secret("upw1"),
        "user_pw2": secret("upw2"),
        "user_pw3": secret("upw3"),
        "user_pw4": secret("upw4"),
        "user_pw5": secret("upw5"),
        "user_pw6": secret("upw6"),
        "wrong_pw2": secret("wrongpw2"),
        "query_token": secret("qtok"),
        "query_token2": secret("qtok2"),
        "query_token3": secret("qtok3"),
        "query_password": secret("qpw"),
    }
    issued = {}
    account = "sec-acct"
    creds = call(
        server,
        "POST",
        "/_sim/accounts",
        body={
            "account_id": account,
            "username": "sec-user",
            "api_key": given["api_key"],
            "password": given["password"],
            "token": given["fixed_token"],
        },
        expect=201,
    )["account"]
    assert creds["api_key"] == given["api_key"]
    issued["generated_api_key"] = call(server, "POST", "/_sim/accounts", body={"account_id": "gen-acct"}, expect=201)[
        "account"
    ]["api_key"]
    auth = "/v2.0/tokens"
    key_auth = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "sec-user", "apiKey": given["api_key"]}}}
    issued["token_by_key"] = call(server, "POST", auth, body=key_auth, expect=200)["access"]["token"]["id"]
    pw_auth = {"auth": {"passwordCredentials": {"username": "sec-user", "password": given["password"]}}}
    issued["token_by_password"] = call(server, "POST", auth, body=pw_auth, expect=200)["access"]["token"]["id"]
    token_auth = {"auth": {"token": {"id": issued["token_by_key"]}, "tenantId": account}}
    issued["token_by_token"] = call(server, "POST", auth, body=token_auth, expect=200)["access"]["token"]["id"]
    call(
        server,
        "POST",
        auth,
        body={"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "sec-user", "apiKey": given["wrong_api_key"]}}},
        expect=401,
    )
    call(
        server,
        "POST",
        auth,
        body={"auth": {"passwordCredentials": {"username": "sec-user", "password": given["wrong_password"]}}},
        expect=401,
    )
    call(server, "GET", f"/v1.0/{account}/instances", given["bad_token"], expect=401)
    call(server, "GET", f"/v1.0/{account}/flavors", given["fixed_token"], expect=200)

    token = issued["token_by_password"]
    api = f"/v1.0/{account}"
    instance = call(
        server,
        "POST",
        f"{api}/instances",
        token,
        {
            "instance": {
                "name": "sec",
                "flavorRef": 1,
                "volume": {"size": 2},
                "databases": [{"name": "secdb"}],
                "users": [{"name": "u1", "password": given["user_pw1"], "databases": [{"name": "secdb"}]}],
            }
        },
        expect=200,
    )["instance"]["id"]
    wait_active(server, token, account, instance)
    call(
        server,
        "POST",
        f"{api}/instances/{instance}/users",
        token,
        {"users": [{"name": "u2", "password": given["user_pw2"]}]},
        expect=202,
    )
    call(
        server,
        "POST",
        f"{api}/instances/{instance}/users",
        token,
        expect=202,
        raw=(f'{{"users": [{{"name": "u6", "pass\\u0077ord": "{given["user_pw6"]}"}}]}}').encode(),
    )
    call(
        server,
        "PUT",
        f"{api}/instances/{instance}/users",
        token,
        {"users": [{"name": "u2", "password": given["user_pw3"]}]},
        expect=202,
    )
    call(
        server,
        "PUT",
        f"{api}/instances/{instance}/users/u1",
        token,
        {"user": {"password": given["user_pw4"]}},
        expect=202,
    )
    issued["root_password"] = call(server, "POST", f"{api}/instances/{instance}/root", token, expect=200)["user"][
        "password"
    ]
    backup = call(server, "POST", f"{api}/backups", token, {"backup": {"name": "b", "instance": instance}}, expect=202)[
        "backup"
    ]["id"]
    for _ in range(200):
        if call(server, "GET", f"{api}/backups/{backup}", token, expect=200)["backup"]["status"] == "COMPLETED":
            break
        time.sleep(0.01)
    restored = call(
        server,
        "POST",
        f"{api}/instances",
        token,
        {
            "instance": {
                "name": "restored",
                "flavorRef": 1,
                "volume": {"size": 2},
                "restorePoint": {"backupRef": backup},
                "users": [{"name": "u5", "password": given["user_pw5"]}],
            }
        },
        expect=200,
    )["instance"]["id"]
    wait_active(server, token, account, restored)
    login = f"/_sim/accounts/{account}/instances/{restored}/login"
    for user, password in (("u1", given["user_pw4"]), ("u5", given["user_pw5"]), ("u2", given["user_pw3"])):
        assert call(server, "POST", login, body={"user": user, "password": password}, expect=200) == {"login": True}
    drive_other_spellings(server, given, issued, account)
    drive_hostile_spellings(server, given, account, token, instance)
    return {**given, **issued}


def test_secrets_never_reach_logs_journal_state_or_recordings(run):
    server, tmp = run
    secrets = drive(server)
    journal = requests.get(server.url + "/_sim/journal", timeout=10).text
    assert len(json.loads(journal)["journal"]) > 20
    journal_har = requests.get(server.url + "/_sim/journal/har", timeout=10).text
    assert len(json.loads(journal_har)["log"]["entries"]) > 20
    recording_now = requests.get(server.url + "/_sim/recording", timeout=10).text
    state_while_running = b"".join(p.read_bytes() for p in sorted(tmp.glob("state.db*")))
    server.stop()
    state_after = b"".join(p.read_bytes() for p in sorted(tmp.glob("state.db*")))
    recording = (tmp / "recording.har").read_text()
    assert len(json.loads(recording)["log"]["entries"]) > 10
    places = {
        "server output": server.output,
        "journal": journal,
        "journal HAR": journal_har,
        "recording (live)": recording_now,
        "recording file": recording,
    }
    for kind, value in secrets.items():
        for place, text in places.items():
            assert value not in text, f"{kind} found in the {place}"
        for raw in (state_while_running, state_after):
            assert value.encode() not in raw, f"{kind} found in the state file"
    assert "***" in journal  # the journal shows where a secret was, not what it was
    assert "token=***&limit=1" in journal and "?token=***&limit=1" in journal_har and "token=***" in server.output


def test_secrets_demo_credentials_are_shown_only_by_the_banner(run):
    """The start-up banner prints the demo account's credentials (that is its job); no log line repeats them."""
    server, _ = run
    token = DEMO.token
    assert token is not None
    call(server, "GET", "/v1.0/1234/flavors", token, expect=200)
    call(
        server,
        "POST",
        "/v2.0/tokens",
        body={"auth": {"passwordCredentials": {"username": DEMO.username, "password": DEMO.password}}},
        expect=200,
    )
    call(
        server,
        "POST",
        "/v2.0/tokens",
        body={"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": DEMO.username, "apiKey": DEMO.api_key}}},
        expect=200,
    )
    server.stop()
    out = "".join(server.stdout)
    banner_end = out.index("print(tc.flavors.list())")
    after_banner = out[banner_end:] + "".join(server.stderr)
    assert "GET /v1.0/1234/flavors" in after_banner  # the log is on (--verbose)
    for value in (token, DEMO.password, DEMO.api_key):
        assert value not in after_banner


def test_secrets_passwords_and_keys_are_stored_as_hashes(run):
    server, tmp = run
    secrets = drive(server)
    server.stop()
    db = sqlite3.connect(tmp / "state.db")
    db.row_factory = sqlite3.Row
    hex64 = re.compile(r"^[0-9a-f]{64}$")
    salted = re.compile(r"^[0-9a-f]{8,}\$[0-9a-f]{64}$")
    users = db.execute("select * from users").fetchall()
    assert len(users) >= 3
    for row in users:
        assert hex64.match(row["api_key_hash"]) and hex64.match(row["password_hash"]), dict(row)
    tokens = [row["hash"] for row in db.execute("select hash from tokens")]
    assert len(tokens) >= 5 and all(hex64.match(t) for t in tokens), tokens
    db_users = db.execute("select * from db_users").fetchall()
    assert len(db_users) >= 4
    assert all(salted.match(row["password_hash"]) for row in db_users)
    roots = [row["root_password_hash"] for row in db.execute("select root_password_hash from instances")]
    assert any(r and salted.match(r) for r in roots)
    for row in db.execute("select contents from backups where contents is not null"):  # NULL: no change
        contents = json.loads(row["contents"])
        for user in contents["users"]["set"].values():
            assert set(user) == {"name", "host", "password_hash", "databases"} and salted.match(user["password_hash"])
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    db.close()
    assert secrets  # every secret above was really used
