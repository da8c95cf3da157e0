"""A move sent from the technician's app with the phone's position also records where the technician is:
the customer's arrival time and map read that position, and nothing else in the app sends one."""

from __future__ import annotations

from anxin.technician.models import Technician
from tests.conftest import page_csrf
from tests.web.test_tech_offline import acknowledged


def test_departing_from_the_app_records_where_the_technician_is(client, world, db, sign_in) -> None:
    # Given an acknowledged order and a technician with no known position
    order_id = acknowledged(client, world)
    technician = db.get(Technician, world.demo.technician_id)
    assert technician.last_lat is None and technician.last_located_at is None
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")

    # When they depart from the app with the phone's position
    answer = client.post(
        f"/tech/orders/{order_id}/act/depart",
        data={"csrf_token": token, "version": "", "lat": "30.2741", "lng": "120.1551"},
        follow_redirects=False,
    )

    # Then that is their last position, and the customer's page gives an arrival time from it
    assert answer.status_code == 303
    db.rollback()  # a fresh read: the session read before the request
    technician = db.get(Technician, world.demo.technician_id)
    assert (technician.last_lat, technician.last_lng) == (30.2741, 120.1551)
    assert technician.last_located_at is not None
    sign_in(client, "customer01@demo")
    page = client.get(f"/portal/orders/{order_id}").text
    assert "到达" in page and "距您约" in page


def test_a_move_without_a_position_leaves_the_last_one_alone(client, world, db, sign_in) -> None:
    order_id = acknowledged(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    answer = client.post(
        f"/tech/orders/{order_id}/act/depart", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    db.rollback()  # a fresh read: the session read before the request
    assert db.get(Technician, world.demo.technician_id).last_located_at is None


def test_departing_over_the_api_records_the_position_too(client, world, db) -> None:
    from tests.helpers import act

    order_id = acknowledged(client, world)
    answer = act(client, world.demo, order_id, "technician", "depart", {"lat": 30.25, "lng": 120.15})
    assert answer.status_code == 200, answer.text
    db.rollback()
    technician = db.get(Technician, world.demo.technician_id)
    assert (technician.last_lat, technician.last_lng) == (30.25, 120.15)
