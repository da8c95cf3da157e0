"""An order walks from a fault report to a closed order over the API, each step by the right role."""

from tests.helpers import HAPPY_PATH, act, report


def test_an_order_walks_every_state_of_the_happy_path(client, world):
    demo = world.demo
    created = report(client, demo)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["status"] == "created" and order["version"] == 1
    assert order["number"].startswith("WO") and order["number"].endswith("-000001")
    assert order["billing_category"] == "C" and order["warranty_status"] == "in_warranty"

    seen = ["created"]
    for role, action, body in HAPPY_PATH:
        response = act(client, demo, order["id"], role, action, body)
        assert response.status_code == 200, (action, response.text)
        current = client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("admin")).json()
        seen.append(current["status"])
    assert seen == [
        "created",
        "accepted",
        "assigned",
        "acknowledged",
        "en_route",
        "on_site",
        "quoted",
        "quote_approved",
        "in_progress",
        "completed",
        "followed_up",
        "closed",
    ]
    assert current["closed_at"] and current["completed_at"] and current["on_site_at"]
    assert current["version"] == 1 + len(HAPPY_PATH)

    events = client.get(f"/api/v1/work-orders/{order['id']}/events", headers=demo.headers("agent")).json()
    assert [e["action"] for e in events] == ["create"] + [action for _, action, _ in HAPPY_PATH]
    arrive = next(e for e in events if e["action"] == "arrive")
    assert (arrive["lat"], arrive["lng"], arrive["actor_role"]) == (30.27, 120.12, "technician")
    quote = client.get(f"/api/v1/work-orders/{order['id']}/quote", headers=demo.headers("customer")).json()
    assert quote["total_fen"] == 25000 and quote["status"] == "approved"
    # priced from the book, and all covered: the refrigerator is under its whole-unit warranty
    assert [line["code"] for line in quote["lines"]] == ["VISIT-URBAN", "RF-THERMOSTAT", "PART-RF-THERMO"]
    assert (quote["covered_fen"], quote["payable_fen"]) == (25000, 0)
    assert all(line["coverage"] == "warranty" for line in quote["lines"])
    assert quote["coverage_reason"].startswith("整机在保修期内")
