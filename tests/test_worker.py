"""Background tasks reach a worker, and the worker reaches the database.

With REDIS_URL set (scripts/test.sh sets it when redis-server is installed) a
real Celery worker runs in a thread of the test process, consuming from Redis,
and uses the test database. Without REDIS_URL, settings.py makes Celery run
tasks eagerly in the caller, and the same assertions hold on that path.

The `task_worker` fixture lives in conftest.py:

    @pytest.mark.worker
    @pytest.mark.django_db(transaction=True)
    def test_something(task_worker): ...
"""
import pytest
from celery.result import AsyncResult, EagerResult
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core.tasks import ping


def test_celery_uses_redis_exactly_when_redis_url_is_set():
    conf = celery_app.conf
    if settings.REDIS_URL:
        assert not conf.task_always_eager
        assert conf.broker_url.startswith("redis://")
        assert conf.result_backend.startswith("redis://")
    else:
        assert conf.task_always_eager
        assert conf.broker_url.startswith("memory://")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ping_task_comes_back_from_the_worker_with_the_database_vendor(task_worker):
    result = ping.delay()

    assert result.get(timeout=30) == {"pong": True, "database": connection.vendor}

    if settings.REDIS_URL:
        # It went through the broker to the worker thread, and its result
        # came back through Redis.
        assert task_worker is not None
        assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            assert client.exists(f"celery-task-meta-{result.id}")
        finally:
            client.close()
    else:
        assert task_worker is None
        assert isinstance(result, EagerResult)
