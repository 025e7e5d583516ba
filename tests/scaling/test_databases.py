"""DATABASES from the environment (docs/scaling.md): the primary, Django's psycopg pool when asked
for, a streaming replica when one is named — built by the function production uses."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from fundadmin.settings.cluster import databases_from_env

PRIMARY = "postgres://fundadmin:secret@db.internal:5432/fundadmin"
REPLICA = "postgres://fundadmin:secret@replica.internal:5432/fundadmin"
SQLITE = "sqlite:///unused.sqlite3"


def test_without_variables_one_database_with_persistent_connections():
    databases = databases_from_env({}, default_url=SQLITE)
    assert list(databases) == ["default"]
    assert databases["default"]["CONN_MAX_AGE"] == 60
    assert databases["default"]["OPTIONS"] == {"timeout": 20, "transaction_mode": "IMMEDIATE"}


def test_the_pool_replaces_persistent_connections():
    databases = databases_from_env({"DATABASE_URL": PRIMARY, "DATABASE_POOL": "1"}, default_url=SQLITE)
    default = databases["default"]
    # Django refuses a pool with CONN_MAX_AGE > 0 ("Pooling doesn't support persistent connections").
    assert default["CONN_MAX_AGE"] == 0
    assert default["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10.0}
    sized = databases_from_env(
        {
            "DATABASE_URL": PRIMARY,
            "DATABASE_POOL": "on",
            "DATABASE_POOL_MIN_SIZE": "2",
            "DATABASE_POOL_MAX_SIZE": "8",
            "DATABASE_POOL_TIMEOUT": "3",
        },
        default_url=SQLITE,
    )
    assert sized["default"]["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 3.0}
    assert "pool" not in databases_from_env({"DATABASE_URL": PRIMARY, "DATABASE_POOL": "0"}, default_url=SQLITE)[
        "default"
    ].get("OPTIONS", {})


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": SQLITE, "DATABASE_POOL": "1"},  # psycopg's pool: PostgreSQL only
        {"DATABASE_URL": PRIMARY, "DATABASE_POOL": "1", "DATABASE_POOL_MIN_SIZE": "5", "DATABASE_POOL_MAX_SIZE": "2"},
        {"DATABASE_URL": PRIMARY, "DATABASE_POOL": "1", "DATABASE_POOL_MAX_SIZE": "many"},
        {"DATABASE_URL": SQLITE, "REPLICA_DATABASE_URL": REPLICA},  # a replica of PostgreSQL only
        {"DATABASE_URL": PRIMARY, "REPLICA_DATABASE_URL": SQLITE},
    ],
)
def test_a_configuration_that_cannot_work_is_refused_at_start(env):
    with pytest.raises(ImproperlyConfigured):
        databases_from_env(env, default_url=SQLITE)


def test_the_replica_is_a_second_alias_that_tests_mirror_to_the_primary():
    databases = databases_from_env(
        {"DATABASE_URL": PRIMARY, "REPLICA_DATABASE_URL": REPLICA, "DATABASE_POOL": "1"}, default_url=SQLITE
    )
    assert set(databases) == {"default", "replica"}
    replica = databases["replica"]
    assert replica["HOST"] == "replica.internal" and replica["NAME"] == "fundadmin"
    assert replica["OPTIONS"]["pool"] == databases["default"]["OPTIONS"]["pool"]  # a pool of its own, same size
    # Under test the replica reads the primary's test database, which replication copies to it.
    assert replica["TEST"] == {"MIRROR": "default"}
