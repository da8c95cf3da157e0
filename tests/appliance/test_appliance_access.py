"""Who reads an appliance: its customer, the staff of the tenant, and a technician only the appliances of
orders assigned to them, now or before; the customers' records stay closed to technicians."""

from __future__ import annotations

from tests.helpers import act, report, walk


def reads(client, world, appliance_id: int, who: str) -> tuple[int, int]:
    """The status of the appliance's record and of its warranty, read as ``who``."""
    record = client.get(f"/api/v1/appliances/{appliance_id}", headers=world.headers(who))
    warranty = client.get(f"/api/v1/appliances/{appliance_id}/warranty", headers=world.headers(who))
    return record.status_code, warranty.status_code


def test_a_technician_reads_only_the_appliances_of_orders_given_to_them(client, world):
    demo = world.demo
    # given customer01's refrigerator reported and assigned to tech01, and customer02's never assigned
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")

    # when each technician reads both appliances
    # then tech01 reads the one of their order, and neither reads the other customer's
    assert reads(client, demo, demo.appliance_id, "technician") == (200, 200)
    assert reads(client, demo, demo.other_appliance_id, "technician") == (404, 404)
    assert reads(client, demo, demo.appliance_id, "other_technician") == (404, 404)
    assert reads(client, demo, demo.other_appliance_id, "other_technician") == (404, 404)
    # and the refusal is the one error shape, as for an id nobody has
    refused = client.get(f"/api/v1/appliances/{demo.other_appliance_id}", headers=demo.headers("technician"))
    nobody = client.get("/api/v1/appliances/987654321", headers=demo.headers("technician"))
    assert refused.json() == nobody.json() and refused.json()["error"]["code"] == "not_found"


def test_a_technician_keeps_reading_an_appliance_after_the_order_moved_on(client, world):
    demo = world.demo
    # given an order assigned to tech01 and then handed to tech02
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")
    handed = act(
        client, demo, order["id"], "dispatcher", "assign", {"technician_id": demo.other_technician_id}
    )
    assert handed.status_code == 200, handed.text

    # when both read the appliance
    # then both do: tech02 has the order now, tech01 had it before
    assert reads(client, demo, demo.appliance_id, "other_technician") == (200, 200)
    assert reads(client, demo, demo.appliance_id, "technician") == (200, 200)


def test_staff_and_customers_read_as_before(client, world):
    demo = world.demo
    # given no order at all
    # when staff and the customers read the appliances
    # then staff read every appliance of the tenant, a customer only their own
    for who in ("admin", "agent", "dispatcher", "quality"):
        assert reads(client, demo, demo.other_appliance_id, who) == (200, 200), who
    assert reads(client, demo, demo.appliance_id, "customer") == (200, 200)
    assert reads(client, demo, demo.other_appliance_id, "customer") == (404, 404)
    # and nobody reads another tenant's
    assert reads(client, demo, world.acme.appliance_id, "admin") == (404, 404)


def test_a_technician_reads_no_customer_record(client, world):
    demo = world.demo
    # given a customer whose order tech01 holds
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")

    # when tech01 asks for the customer, their appliances, or the customer search
    record = client.get(f"/api/v1/customers/{demo.customer_id}", headers=demo.headers("technician"))
    listed = client.get(
        f"/api/v1/customers/{demo.customer_id}/appliances", headers=demo.headers("technician")
    )
    search = client.get("/api/v1/customers", params={"q": "138"}, headers=demo.headers("technician"))

    # then each is refused: the order itself tells the technician what the visit needs
    assert (record.status_code, listed.status_code, search.status_code) == (404, 404, 403)
