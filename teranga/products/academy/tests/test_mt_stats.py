"""Trading statistics of an account (``GET /api/v1/academy/mt/accounts/{id}/stats/``),
exact on a small set computed by hand, from trades uploaded through the sync endpoint;
an account without trades; a constant number of queries; someone else's account 404."""

from __future__ import annotations

import math
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.products.academy.stats import CURVE_MAX_POINTS

pytestmark = pytest.mark.django_db

API = "/api/v1/academy/mt"
LOGIN = 7001


def trade(ticket, symbol, side, open_price, close_price, sl, profit, commission, swap, closed):
    return {
        "ticket": ticket,
        "symbol": symbol,
        "type": side,
        "lots": 0.1,
        "open_time": closed.replace("T12", "T08"),
        "close_time": closed,
        "open_price": open_price,
        "close_price": close_price,
        "sl": sl,
        "tp": 0,
        "commission": commission,
        "swap": swap,
        "profit": profit,
    }


# Results (profit + commission + swap), in closing order: 19, −11, 0, 28.5, −6, −100, 39.5.
HAND_SET = [
    trade(1, "EURUSD", "buy", 1.1, 1.102, 1.099, 20, -1, 0, "2026-01-10T12:00:00Z"),  # R 2
    trade(2, "EURUSD", "sell", 1.105, 1.106, 1.106, -10, -1, 0, "2026-01-12T12:00:00Z"),  # R −1
    trade(3, "XAUUSD", "buy", 2000, 2000, 0, 0, 0, 0, "2026-01-20T12:00:00Z"),  # no SL
    trade(4, "GBPUSD", "sell", 1.25, 1.247, 1.251, 30, -1, -0.5, "2026-02-02T12:00:00Z"),  # R 3
    trade(5, "EURUSD", "buy", 1.1, 1.0995, 1.099, -5, -1, 0, "2026-02-03T12:00:00Z"),  # R −0.5
    # Its SL is on the winning side of the entry: no initial risk, no R.
    trade(6, "XAUUSD", "sell", 2010, 2020, 2005, -100, 0, 0, "2026-02-10T12:00:00Z"),
    trade(7, "EURUSD", "buy", 1.1, 1.104, 0, 40, -1, 0.5, "2026-02-20T12:00:00Z"),  # no SL
]
OPEN_TRADE = {
    "ticket": 8,
    "symbol": "EURUSD",
    "type": "buy",
    "lots": 0.1,
    "open_time": "2026-02-21T08:00:00Z",
    "open_price": 1.1,
    "sl": 1.09,
    "profit": -4,
}


@pytest.fixture
def account(db):
    member = create_user("stats-trader@calmness.test")
    client = authed_client(member)
    response = client.post(f"{API}/accounts/", {"name": "Live", "login": LOGIN}, format="json")
    account_id = response.json()["id"]
    key = client.post(f"{API}/accounts/{account_id}/keys/", {}, format="json").json()["key"]
    return client, account_id, key


def upload(key, trades):
    body = {"account": {"login": LOGIN, "server": "Demo"}, "trades": trades}
    response = APIClient().post(f"{API}/sync/", body, format="json", HTTP_X_API_KEY=key)
    assert response.status_code == 200, response.content


def test_statistics_match_the_hand_computed_set(account):
    client, account_id, key = account
    # Uploaded out of order and in two batches: the closing order is what counts.
    upload(key, [HAND_SET[i] for i in (6, 2, 0, 4)] + [OPEN_TRADE])
    upload(key, [HAND_SET[i] for i in (5, 1, 3)])
    response = client.get(f"{API}/accounts/{account_id}/stats/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    stats = response.json()

    assert stats["account"]["id"] == account_id
    assert (stats["closed_trades"], stats["open_trades"]) == (7, 1)
    assert (stats["wins"], stats["losses"], stats["break_evens"]) == (3, 3, 1)
    assert stats["win_rate"] == 0.4286  # 3 / 7
    assert stats["win_rate_excluding_break_evens"] == 0.5  # 3 / 6
    assert (stats["gross_profit"], stats["gross_loss"], stats["net_profit"]) == (
        "87.00",
        "117.00",
        "-30.00",
    )
    assert stats["profit_factor"] == 0.7436  # 87 / 117
    assert stats["expectancy"] == "-4.29"  # −30 / 7
    assert (stats["average_win"], stats["average_loss"]) == ("29.00", "-39.00")
    assert (stats["largest_win"], stats["largest_loss"]) == ("39.50", "-100.00")
    assert stats["average_r"] == 0.875 and stats["r_trades"] == 4  # (2 − 1 + 3 − 0.5) / 4
    # Cumulative 19, 8, 8, 36.5, 30.5, −69.5, −30: peak 36.5, trough −69.5.
    assert stats["max_drawdown"] == "106.00"
    results = [19, -11, 0, 28.5, -6, -100, 39.5]
    expected_sqn = math.sqrt(7) * statistics.mean(results) / statistics.stdev(results)
    assert stats["sqn"] == round(expected_sqn, 4) == -0.2459
    # W L = W L L W
    assert (stats["longest_win_streak"], stats["longest_loss_streak"]) == (1, 2)
    assert [(p["ticket"], p["equity"]) for p in stats["equity_curve"]] == [
        (1, "19.00"),
        (2, "8.00"),
        (3, "8.00"),
        (4, "36.50"),
        (5, "30.50"),
        (6, "-69.50"),
        (7, "-30.00"),
    ]
    assert stats["equity_curve"][0]["time"] == "2026-01-10T12:00:00Z"
    assert stats["by_instrument"] == [
        {"symbol": "EURUSD", "trades": 4, "wins": 2, "losses": 2, "win_rate": 0.5,
         "net_profit": "41.50"},
        {"symbol": "GBPUSD", "trades": 1, "wins": 1, "losses": 0, "win_rate": 1.0,
         "net_profit": "28.50"},
        {"symbol": "XAUUSD", "trades": 2, "wins": 0, "losses": 1, "win_rate": 0.0,
         "net_profit": "-100.00"},
    ]  # fmt: skip
    assert stats["by_month"] == [
        {"month": "2026-01", "trades": 3, "wins": 1, "losses": 1, "win_rate": 0.3333,
         "net_profit": "8.00"},
        {"month": "2026-02", "trades": 4, "wins": 2, "losses": 2, "win_rate": 0.5,
         "net_profit": "-38.00"},
    ]  # fmt: skip

    # The SL moved after the first upload: R still uses the initial one.
    upload(key, [HAND_SET[0] | {"sl": 1.1005}])
    again = client.get(f"{API}/accounts/{account_id}/stats/").json()
    assert again["average_r"] == 0.875 and again["net_profit"] == "-30.00"


def test_an_account_without_trades(account):
    client, account_id, _key = account
    stats = client.get(f"{API}/accounts/{account_id}/stats/").json()
    assert stats["closed_trades"] == 0 and stats["net_profit"] == "0.00"
    for name in ("win_rate", "profit_factor", "expectancy", "average_r", "sqn", "average_win"):
        assert stats[name] is None, name
    assert stats["equity_curve"] == stats["by_instrument"] == stats["by_month"] == []


def test_queries_do_not_grow_with_the_trades_and_the_curve_is_capped(account, monkeypatch):
    client, account_id, key = account
    url = f"{API}/accounts/{account_id}/stats/"
    upload(key, HAND_SET[:2])
    client.get(url)  # warm up (the session's first reads)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    monkeypatch.setattr("teranga.products.academy.stats.CURVE_MAX_POINTS", 3)
    upload(key, HAND_SET[2:])
    with CaptureQueriesContext(connection) as more:
        stats = client.get(url).json()
    assert len(more) == len(few)
    assert [p["ticket"] for p in stats["equity_curve"]] == [1, 3, 7]
    assert CURVE_MAX_POINTS == 1000


def test_someone_elses_statistics_answer_404(account):
    _client, account_id, _key = account
    stranger = authed_client(create_user("stranger@calmness.test"))
    response = stranger.get(f"{API}/accounts/{account_id}/stats/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "mt_account_not_found"
    assert APIClient().get(f"{API}/accounts/{account_id}/stats/").status_code == 401
