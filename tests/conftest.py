import pytest
from django.test import Client

from core.testing import build_personas


@pytest.fixture
def personas(db):
    return build_personas()


@pytest.fixture
def client_for():
    """`client_for(user)` is a test client logged in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
