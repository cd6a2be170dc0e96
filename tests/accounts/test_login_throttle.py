"""Sign-in throttling (issue 24: 30 wrong passwords, then the right one worked): after
KEEPFLOW_LOGIN_MAX_FAILURES failures for a user name from one address, that pair is
refused for the lock-out time, with a clear message; counters in the real Redis."""

import time
import uuid

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/login/", "/admin/login/"]


def new_address() -> str:
    """Counters outlive a test in Redis (for their window): each test signs in from
    addresses of its own."""
    return "10." + ".".join(str(b) for b in uuid.uuid4().bytes[:3])


@pytest.fixture
def ip() -> str:
    return new_address()


def sign_in(username: str, password: str, ip: str, *, page: str = "/login/"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(page, {"username": username, "password": password})
    return response, "_auth_user_id" in client.session


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_after_the_allowed_failures_even_the_right_password_is_refused(make_user, page, ip):
    admin = make_user("admin", username="ada")  # is_staff for the admin's sign-in
    admin.is_staff = True
    admin.save()
    assert settings.KEEPFLOW_LOGIN_MAX_FAILURES == 5

    for _ in range(5):
        assert sign_in("ada", "wrong", ip, page=page)[1] is False

    response, signed_in = sign_in("ada", "pw-ada", ip, page=page)
    assert signed_in is False
    assert "Too many failed sign-ins. Try again in 15 minutes." in response.content.decode()


def test_fewer_failures_do_not_stop_the_right_password_and_success_forgets_them(make_user, ip):
    make_user("viewer", username="bob")
    for _ in range(4):
        sign_in("bob", "wrong", ip)
    assert sign_in("bob", "pw-bob", ip)[1] is True
    for _ in range(4):  # counted from zero again
        sign_in("bob", "wrong", ip)
    assert sign_in("BOB ", "pw-bob", ip)[1] is False  # not a user name, but counted as bob's
    assert sign_in("bob", "pw-bob", ip)[1] is False


def test_the_lock_is_per_user_name_and_address(make_user, ip):
    make_user("viewer", username="cy")
    make_user("viewer", username="di")
    for _ in range(5):
        sign_in("cy", "wrong", ip)

    assert sign_in("cy", "pw-cy", new_address())[1] is True  # cy from elsewhere
    assert sign_in("di", "pw-di", ip)[1] is True  # someone else from the same address
    assert sign_in("cy", "pw-cy", ip)[1] is False


def test_the_lock_ends_after_the_lockout_time(make_user, settings, ip):
    settings.KEEPFLOW_LOGIN_LOCKOUT_SECONDS = 1
    make_user("viewer", username="ed")
    for _ in range(5):
        sign_in("ed", "wrong", ip)
    assert sign_in("ed", "pw-ed", ip)[1] is False

    time.sleep(1.2)

    assert sign_in("ed", "pw-ed", ip)[1] is True


def test_without_redis_sign_in_still_works(make_user, settings, ip):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    make_user("viewer", username="fay")
    for _ in range(6):
        sign_in("fay", "wrong", ip)
    assert sign_in("fay", "pw-fay", ip)[1] is True
