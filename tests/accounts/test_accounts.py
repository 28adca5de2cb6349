"""Accounts on SQLite and PostgreSQL: passwords, sign-in and its throttle, two-step codes, links, tokens, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import Engine, func, select, update

from pelvicore.accounts import AccountError, Accounts, PasswordRejected, SignInRefused, SignInThrottled, policy
from pelvicore.accounts.passwords import check_new_password, hash_password, verify_password
from pelvicore.store import SessionStore
from pelvicore.store.accounts import AccountExistsError, AccountStore
from pelvicore.store.models import ApiToken, LoginSession, User, utc_now

PASSWORD = "a long enough passphrase"


@pytest.fixture
def accounts(engine: Engine) -> Accounts:
    return Accounts(AccountStore(engine))


def test_passwords_are_argon2id_and_follow_the_length_rules() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + " ")
    assert not verify_password(None, PASSWORD)  # an account without a password never matches
    check_new_password("x" * 11 + "y")  # 12 characters is enough
    check_new_password("🔒 " * 40)  # any characters, up to 128
    for bad, why in [("short pass", "at least 12"), ("a" * 129, "at most 128"), ("z" * 20, "repeated")]:
        with pytest.raises(PasswordRejected, match=why):
            check_new_password(bad)
    with pytest.raises(PasswordRejected, match="email"):
        check_new_password("Her@Example.org", email="her@example.org")


def test_sign_in_rotates_cookies_and_only_the_right_password_works(accounts: Accounts) -> None:
    user = accounts.create_user(" Her@Example.org ", role="person", password=PASSWORD)
    assert user.email == "her@example.org" and user.has_password
    with pytest.raises(AccountExistsError):
        accounts.create_user("her@example.org", role="person", password=PASSWORD)
    with pytest.raises(AccountError, match="not an email"):
        accounts.create_user("not-an-email", role="person", password=PASSWORD)
    first = accounts.sign_in("HER@example.org", PASSWORD, address="10.0.0.1")
    second = accounts.sign_in("her@example.org", PASSWORD, address="10.0.0.1")
    assert first.cookie != second.cookie and first.login.csrf_token != second.login.csrf_token
    assert first.login.id != first.cookie  # only the digest is stored
    principal = accounts.from_cookie(first.cookie)
    assert principal is not None and principal.id == user.id and principal.via == "cookie"
    for email, password in [("her@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)]:
        with pytest.raises(SignInRefused, match="email, password or code is wrong"):
            accounts.sign_in(email, password)
    accounts.sign_out(principal)
    assert accounts.from_cookie(first.cookie) is None
    assert accounts.from_cookie(second.cookie) is not None
    actions = [e.action for e in accounts.store.list_audit(user.id)]
    assert actions.count("sign-in") == 2 and "sign-in-failed" in actions and "sign-out" in actions


def test_failed_sign_ins_are_throttled_per_account_and_per_address(accounts: Accounts) -> None:
    accounts.create_user("her@example.org", role="person", password=PASSWORD)
    for _ in range(policy.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInRefused):
            accounts.sign_in("her@example.org", "not the password", address="10.0.0.2")
    # Now even the right password is refused without being checked (ASVS 2.2.1: < 100 failures an hour).
    with pytest.raises(SignInThrottled) as throttled:
        accounts.sign_in("her@example.org", PASSWORD, address="10.0.0.3")
    assert throttled.value.retry_after_s == policy.FAILURE_WINDOW.total_seconds()
    assert 60 / (policy.FAILURE_WINDOW.total_seconds() / 60) * policy.MAX_FAILURES_PER_ACCOUNT < 100
    # One address guessing many accounts is stopped too.
    for i in range(policy.MAX_FAILURES_PER_ADDRESS - policy.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInRefused):
            accounts.sign_in(f"guess{i}@example.org", "whatever it is", address="10.0.0.2")
    accounts.create_user("other@example.org", role="person", password=PASSWORD)
    with pytest.raises(SignInThrottled):
        accounts.sign_in("other@example.org", PASSWORD, address="10.0.0.2")
    assert accounts.sign_in("other@example.org", PASSWORD, address="10.0.0.9").user.email == "other@example.org"


def test_two_step_sign_in_needs_the_current_code(accounts: Accounts) -> None:
    user = accounts.create_user("her@example.org", role="person", password=PASSWORD)
    principal = accounts.from_cookie(accounts.sign_in("her@example.org", PASSWORD).cookie)
    assert principal is not None
    uri = accounts.start_totp(principal)
    secret = pyotp.parse_uri(uri).secret
    assert accounts.sign_in("her@example.org", PASSWORD).user.id == user.id  # not on until confirmed
    with pytest.raises(SignInRefused):
        accounts.confirm_totp(principal, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    accounts.confirm_totp(principal, pyotp.TOTP(secret).now())
    with pytest.raises(SignInRefused):
        accounts.sign_in("her@example.org", PASSWORD)  # no code
    assert accounts.sign_in("her@example.org", PASSWORD, code=pyotp.TOTP(secret).now()).user.totp_enabled
    with pytest.raises(SignInRefused):
        accounts.disable_totp(principal, "wrong password!")
    accounts.disable_totp(principal, PASSWORD)
    assert accounts.sign_in("her@example.org", PASSWORD).user.totp_enabled is False


def test_a_sign_in_link_works_once(accounts: Accounts) -> None:
    owner = accounts.local_owner(create=True)
    assert owner is not None and owner.email is None and not owner.has_password
    assert accounts.local_owner(create=True) == owner
    link = accounts.create_signin_link(owner)
    assert accounts.sign_in_with_link(link).user.id == owner.id
    with pytest.raises(SignInRefused, match="used or has expired"):
        accounts.sign_in_with_link(link)
    with pytest.raises(SignInRefused):
        accounts.sign_in("local", "")  # the local owner has no password


def test_tokens_expire_and_stop_with_their_account(accounts: Accounts, engine: Engine) -> None:
    owner = accounts.local_owner(create=True)
    assert owner is not None
    token = accounts.create_token(owner, days=1)
    assert accounts.from_bearer(token) is not None
    assert accounts.from_bearer(token + "x") is None
    with engine.begin() as db:
        db.execute(update(ApiToken).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert accounts.from_bearer(token) is None
    token = accounts.create_token(owner)
    accounts.delete_user(owner.id)
    assert accounts.from_bearer(token) is None


@pytest.mark.parametrize(("role", "idle"), [("person", timedelta(days=14)), ("clinician", timedelta(minutes=30))])
def test_idle_and_absolute_timeouts_depend_on_the_role(
    accounts: Accounts, engine: Engine, role: str, idle: timedelta
) -> None:
    accounts.create_user("someone@example.org", role=role, password=PASSWORD)  # type: ignore[arg-type]
    signed_in = accounts.sign_in("someone@example.org", PASSWORD)
    assert policy.idle_timeout(role) == idle  # type: ignore[arg-type]
    with engine.begin() as db:
        db.execute(update(LoginSession).values(last_seen_at=utc_now() - idle + timedelta(minutes=1)))
    assert accounts.from_cookie(signed_in.cookie) is not None  # used just in time: still signed in
    with engine.begin() as db:
        db.execute(update(LoginSession).values(last_seen_at=utc_now() - idle - timedelta(seconds=1)))
    assert accounts.from_cookie(signed_in.cookie) is None
    again = accounts.sign_in("someone@example.org", PASSWORD)
    with engine.begin() as db:
        db.execute(update(LoginSession).values(expires_at=utc_now() - timedelta(seconds=1)))
    assert accounts.from_cookie(again.cookie) is None
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(LoginSession)) == 0  # ended sign-ins are removed


def test_changing_the_password_signs_out_her_other_browsers(accounts: Accounts) -> None:
    accounts.create_user("her@example.org", role="person", password=PASSWORD)
    here = accounts.from_cookie(accounts.sign_in("her@example.org", PASSWORD).cookie)
    elsewhere = accounts.sign_in("her@example.org", PASSWORD)
    assert here is not None
    with pytest.raises(SignInRefused):
        accounts.change_password(here, "wrong password!", "a brand new passphrase")
    accounts.change_password(here, PASSWORD, "a brand new passphrase")
    assert accounts.from_cookie(elsewhere.cookie) is None
    assert here.login is not None and accounts.store.get_login_session(here.login.id) is not None
    assert accounts.sign_in("her@example.org", "a brand new passphrase").user.email == "her@example.org"


def test_deleting_an_account_deletes_everything_it_owns(accounts: Accounts, engine: Engine) -> None:
    store = SessionStore(engine)
    user = accounts.create_user("her@example.org", role="person", password=PASSWORD)
    other = accounts.create_user("other@example.org", role="person", password=PASSWORD)
    for owner in (user, other):
        session_id = store.create_session(
            owner.id,
            source="simulator",
            profile="healthy",
            routine="daily",
            speed=1,
            fs_hz=50,
            units={"floor": "cmH2O"},
        )
        store.append_chunk(session_id, 0, {"floor": [1.0, 2.0]})
    accounts.sign_in("her@example.org", PASSWORD)
    accounts.create_token(user)
    reader = accounts.from_bearer(accounts.create_token(other))
    assert reader is not None
    accounts.audit_read(user.id, reader, "sessions")
    latest = accounts.store.list_audit(user.id)[0]
    assert (latest.action, latest.actor, latest.by_owner) == ("read", "other@example.org", False)
    accounts.delete_user(user.id)
    assert accounts.store.get_user(user.id) is None
    assert store.list_sessions(user.id) == [] and len(store.list_sessions(other.id)) == 1
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 1
        assert db.scalar(select(func.count()).select_from(LoginSession)) == 0
        assert db.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)) == 0
