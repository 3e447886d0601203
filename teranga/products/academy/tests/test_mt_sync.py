"""MetaTrader sync over HTTP: trading accounts, the key lifecycle (answered once, only a
digest stored, revoked keys refused), the Expert Advisor's upload (a key uploads for its
account only, idempotent on the ticket, a modified trade updated, caps and bad input
refused with nothing changed, the per-account rate limit), the example payloads of
``mt4/examples`` replayed, the GDPR export, and isolation between members."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.products.academy.models import Trade, TradingAccount, TradingAccountKey

pytestmark = pytest.mark.django_db

API = "/api/v1/academy/mt"
EXAMPLES = Path(__file__).resolve().parent.parent / "mt4" / "examples"
LOGIN = 50123456


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def trade(ticket: int, **changes) -> dict:
    values = {
        "ticket": ticket,
        "symbol": "EURUSD",
        "type": "buy",
        "lots": 0.1,
        "open_time": "2026-01-05T08:00:00Z",
        "close_time": "2026-01-05T10:00:00Z",
        "open_price": 1.1,
        "close_price": 1.102,
        "sl": 1.099,
        "tp": 0,
        "commission": -0.7,
        "swap": 0,
        "profit": 20,
        "comment": "",
        "magic": 0,
    }
    values.update(changes)
    return values


def payload(*trades, login: int = LOGIN, server: str = "Broker-Demo") -> dict:
    return {
        "account": {
            "login": login,
            "server": server,
            "broker": "Broker Ltd",
            "currency": "USD",
            "balance": 10000,
            "equity": 10010.5,
            "leverage": 100,
        },
        "trades": list(trades),
    }


@pytest.fixture
def members(db):
    member = create_user("trader@calmness.test")
    other = create_user("other-trader@calmness.test")
    return member, authed_client(member), other, authed_client(other)


def new_account(client, login: int = LOGIN, server: str = "") -> str:
    response = client.post(
        f"{API}/accounts/", {"name": "Compte démo", "login": login, "server": server}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def new_key(client, account_id: str) -> str:
    response = client.post(f"{API}/accounts/{account_id}/keys/", {"label": "VPS"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["key"]


def sync(key: str | None, body: dict):
    client = APIClient()
    headers = {"HTTP_X_API_KEY": key} if key is not None else {}
    return client.post(f"{API}/sync/", body, format="json", HTTP_ACCEPT_LANGUAGE="en", **headers)


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code, response.content


def test_key_lifecycle(members):
    _member, client, _other, _other_client = members
    account_id = new_account(client)
    response = client.post(f"{API}/accounts/{account_id}/keys/", {"label": "VPS"}, format="json")
    assert response.status_code == 201
    created = response.json()
    raw_key = created["key"]
    assert raw_key.startswith("ctk_") and len(raw_key) > 40
    assert created["prefix"] == raw_key[:12] and created["is_active"] is True

    # Only the digest is stored; the key is never shown again.
    stored = TradingAccountKey.objects.get(pk=created["id"])
    assert stored.digest == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key not in {stored.prefix, stored.digest, stored.label}
    listed = client.get(f"{API}/accounts/{account_id}/keys/").json()["results"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]

    assert sync(raw_key, payload(trade(1))).status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None

    response = client.post(f"{API}/accounts/{account_id}/keys/{created['id']}/revoke/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert_error(sync(raw_key, payload(trade(2))), 401, "authentication_failed")
    assert Trade.objects.count() == 1
    # Revoking again is harmless.
    again = client.post(f"{API}/accounts/{account_id}/keys/{created['id']}/revoke/")
    assert again.status_code == 200


def test_sync_without_or_with_a_bad_key(members):
    _member, client, *_ = members
    new_key(client, new_account(client))
    assert_error(sync(None, payload(trade(1))), 401, "not_authenticated")
    assert_error(sync("ctk_not-a-key", payload(trade(1))), 401, "authentication_failed")
    assert_error(sync("something else", payload(trade(1))), 401, "authentication_failed")
    # A member's JWT is no key.
    response = client.post(f"{API}/sync/", payload(trade(1)), format="json")
    assert_error(response, 401, "not_authenticated")
    assert not Trade.objects.exists()


def test_active_keys_are_capped(members):
    _member, client, *_ = members
    account_id = new_account(client)
    keys = [client.post(f"{API}/accounts/{account_id}/keys/", {}, format="json") for _ in range(6)]
    assert [r.status_code for r in keys] == [201] * 5 + [409]
    assert keys[-1].json()["error"]["code"] == "mt_too_many_keys"
    client.post(f"{API}/accounts/{account_id}/keys/{keys[0].json()['id']}/revoke/")
    assert client.post(f"{API}/accounts/{account_id}/keys/", {}, format="json").status_code == 201


def test_a_key_uploads_for_its_account_only(members):
    _member, client, *_ = members
    first = new_key(client, new_account(client, login=LOGIN))
    second_id = new_account(client, login=LOGIN + 1, server="Broker-Live")
    second = new_key(client, second_id)

    # The first account's key with the second account's login: refused, nothing stored.
    assert_error(sync(first, payload(trade(1), login=LOGIN + 1)), 403, "mt_account_mismatch")
    # The right login on another server than the account's.
    wrong_server = payload(trade(1), login=LOGIN + 1, server="Broker-Demo")
    assert_error(sync(second, wrong_server), 403, "mt_account_mismatch")
    assert not Trade.objects.exists()
    assert TradingAccount.objects.get(pk=second_id).last_sync_at is None

    # The server is learnt from the first sync, then checked.
    assert sync(first, payload(trade(1))).status_code == 200
    assert TradingAccount.objects.get(login=LOGIN).server == "Broker-Demo"
    assert_error(sync(first, payload(trade(2), server="Other-Live")), 403, "mt_account_mismatch")
    ok = sync(second, payload(trade(1), login=LOGIN + 1, server="broker-live"))
    assert ok.status_code == 200
    assert Trade.objects.filter(account_id=second_id).count() == 1
    assert Trade.objects.count() == 2


def test_reupload_is_idempotent_and_a_modified_trade_is_updated(members):
    _member, client, *_ = members
    account_id = new_account(client)
    key = new_key(client, account_id)
    body = payload(
        trade(10),
        trade(11, type="sell", open_price=1.105, close_price=1.106, sl=1.106, profit=-10),
        trade(12, close_time=None, close_price=None, profit=-3.2),
    )
    first = sync(key, body)
    assert first.status_code == 200, first.content
    assert first.json() | {"account": None} == {
        "account": None,
        "received": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }
    account = first.json()["account"]
    assert account["balance"] == "10000.00" and account["equity"] == "10010.50"
    assert account["leverage"] == 100 and account["broker"] == "Broker Ltd"
    stamps = dict(Trade.objects.values_list("ticket", "updated_at"))

    again = sync(key, copy.deepcopy(body))
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        3,
    )
    assert Trade.objects.count() == 3
    assert dict(Trade.objects.values_list("ticket", "updated_at")) == stamps

    # The open trade closes, its SL moved to break-even; MT4's doubles are rounded.
    closed = trade(
        12,
        close_time="2026-01-06T09:00:00Z",
        close_price=1.1035,
        sl=1.1,
        profit=35.00000000001,
        swap=-0.5,
    )
    third = sync(key, payload(trade(10), closed))
    assert (third.json()["created"], third.json()["updated"], third.json()["unchanged"]) == (
        0,
        1,
        1,
    )
    assert Trade.objects.count() == 3
    row = Trade.objects.get(ticket=12)
    assert row.close_price == Decimal("1.10350000") and row.profit == Decimal("35.00")
    assert row.sl == Decimal("1.1") and row.initial_sl == Decimal("1.099")
    assert row.swap == Decimal("-0.50") and row.tp is None
    assert Trade.objects.get(ticket=10).updated_at == stamps[10]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"trades": [trade(1), trade(1, profit=3)]}, "trades"),
        ({"trades": [trade(1, symbol="X" * 33)]}, "trades"),
        ({"trades": [trade(1, comment="c" * 65)]}, "trades"),
        ({"trades": [trade(1, type="buy_limit")]}, "trades"),
        ({"trades": [trade(1, close_time="2026-01-05T07:00:00Z")]}, "trades"),
        ({"trades": [trade(1, close_price=None)]}, "trades"),
        ({"trades": [trade(1, lots=0)]}, "trades"),
        ({"trades": [trade(1, extra="field")]}, "trades"),
        ({"trades": [trade(i) for i in range(1, 1002)]}, "trades"),
        ({"account": {"login": LOGIN, "server": "s" * 101}}, "account"),
        ({"account": {"server": "Broker-Demo"}}, "account"),
    ],
)
def test_bad_uploads_change_nothing(members, change, field):
    _member, client, *_ = members
    key = new_key(client, new_account(client))
    body = payload(trade(1)) | change
    response = sync(key, body)
    assert_error(response, 400, "invalid")
    assert field in response.json()["error"]["fields"]
    assert not Trade.objects.exists()
    assert TradingAccount.objects.get().last_sync_at is None


def test_uploads_are_rate_limited_per_account(members, monkeypatch, settings):
    monkeypatch.setitem(
        settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "academy_mt_sync", "2/min"
    )
    _member, client, *_ = members
    account_id = new_account(client)
    key, second_key = new_key(client, account_id), new_key(client, account_id)
    other_key = new_key(client, new_account(client, login=LOGIN + 1))
    assert sync(key, payload(trade(1))).status_code == 200
    assert sync(second_key, payload(trade(1))).status_code == 200
    # The budget is the account's, whichever of its keys uploads.
    assert_error(sync(key, payload(trade(2))), 429, "throttled")
    assert not Trade.objects.filter(ticket=2).exists()
    assert sync(other_key, payload(trade(2), login=LOGIN + 1)).status_code == 200


def test_the_example_payloads_replay(members):
    _member, client, *_ = members
    account_id = new_account(client, login=LOGIN)
    key = new_key(client, account_id)
    first = sync(key, example("sync_first.json"))
    assert first.status_code == 200, first.content
    assert (first.json()["received"], first.json()["created"]) == (4, 4)
    second = sync(key, example("sync_next.json"))
    assert second.status_code == 200, second.content
    body = second.json()
    assert (body["received"], body["created"], body["updated"], body["unchanged"]) == (3, 1, 1, 1)
    assert body["account"]["server"] == "ICMarketsSC-Demo"
    assert body["account"]["currency"] == "USD" and body["account"]["balance"] == "10080.30"

    stats = client.get(f"{API}/accounts/{account_id}/stats/").json()
    assert (stats["closed_trades"], stats["open_trades"]) == (4, 1)
    assert (stats["wins"], stats["losses"], stats["break_evens"]) == (3, 1, 0)
    assert stats["net_profit"] == "73.15" and stats["max_drawdown"] == "20.35"
    assert stats["profit_factor"] == 4.5946
    # R: 1.6, −1, 1.1 and 2 (the SL first reported, before it moved to break-even).
    assert stats["average_r"] == 0.925 and stats["r_trades"] == 4
    trades = client.get(f"{API}/accounts/{account_id}/trades/").json()
    assert trades["count"] == 5 and trades["results"][0]["ticket"] == 81234505


def test_members_see_only_their_accounts(members):
    _member, client, _other, other_client = members
    account_id = new_account(client)
    key_id = client.post(f"{API}/accounts/{account_id}/keys/", {}, format="json").json()["id"]
    mine = new_account(other_client, login=LOGIN + 7)
    listed = other_client.get(f"{API}/accounts/").json()["results"]
    assert [a["id"] for a in listed] == [mine]

    for response in (
        other_client.get(f"{API}/accounts/{account_id}/"),
        other_client.get(f"{API}/accounts/{account_id}/keys/"),
        other_client.post(f"{API}/accounts/{account_id}/keys/", {}, format="json"),
        other_client.post(f"{API}/accounts/{account_id}/keys/{key_id}/revoke/"),
        other_client.get(f"{API}/accounts/{account_id}/trades/"),
        other_client.get(f"{API}/accounts/{account_id}/stats/"),
        other_client.delete(f"{API}/accounts/{account_id}/"),
    ):
        assert_error(response, 404, "mt_account_not_found")
    # A key of my account named under someone else's: 404.
    response = other_client.post(f"{API}/accounts/{mine}/keys/{key_id}/revoke/")
    assert_error(response, 404, "mt_key_not_found")
    assert TradingAccountKey.objects.get(pk=key_id).revoked_at is None
    assert TradingAccount.objects.filter(pk=account_id).exists()
    assert APIClient().get(f"{API}/accounts/").status_code == 401


def test_bad_account_input_and_delete(members):
    _member, client, *_ = members
    response = client.post(
        f"{API}/accounts/",
        {"name": "x" * 101, "login": 0},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert_error(response, 400, "invalid")
    assert set(response.json()["error"]["fields"]) == {"name", "login"}
    assert not TradingAccount.objects.exists()

    account_id = new_account(client)
    key = new_key(client, account_id)
    assert sync(key, payload(trade(1), trade(2))).status_code == 200
    assert client.delete(f"{API}/accounts/{account_id}/").status_code == 204
    assert not Trade.objects.exists() and not TradingAccountKey.objects.exists()
    assert_error(sync(key, payload(trade(3))), 401, "authentication_failed")


def test_the_export_lists_accounts_and_trades_without_keys(members):
    _member, client, *_ = members
    account_id = new_account(client)
    key = new_key(client, account_id)
    assert sync(key, payload(trade(1))).status_code == 200
    export = client.get("/api/v1/me/export/")
    assert export.status_code == 200, export.content
    section = export.json()["products"]["academy.trading_accounts"]
    assert [a["id"] for a in section["accounts"]] == [account_id]
    assert [t["ticket"] for t in section["accounts"][0]["trades"]] == [1]
    assert key not in export.content.decode()
    assert TradingAccountKey.objects.get().digest not in export.content.decode()


def test_the_expert_advisor_never_trades_and_sends_what_the_api_reads():
    import re

    from teranga.products.academy.api.mt import SyncAccountSerializer, SyncTradeSerializer

    source = (EXAMPLES.parent / "CalmnessFi_EA.mq4").read_text()
    code = "\n".join(line.split("//")[0] for line in source.splitlines())
    for call in ("OrderSend", "OrderModify", "OrderClose", "OrderDelete"):
        assert f"{call}(" not in code, call
    assert "OnTimer" in code and "MODE_HISTORY" in code and "X-Api-Key: " in code

    def keys_of(function: str) -> set[str]:
        body = code.split(f"string {function}(")[1].split("\n  }")[0]
        return set(re.findall(r'\\"(\w+)\\":', body))

    assert keys_of("OrderJson") == set(SyncTradeSerializer().fields)
    assert keys_of("AccountJson") == set(SyncAccountSerializer().fields)
    for name in ("sync_first.json", "sync_next.json"):
        body = example(name)
        assert set(body["account"]) == set(SyncAccountSerializer().fields)
        assert all(set(t) == set(SyncTradeSerializer().fields) for t in body["trades"])
