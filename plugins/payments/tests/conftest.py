"""Fixtures shared by every part of the payments tests (each part's folder may add its
own conftest.py). The kernel's pytest plugin brings the rest (``tenant``, ``client``,
``run_task``, ``dispatched``...), the enrollment plugin's (``learninghub_enrollment.testing``)
the catalog set-up rows: ``make_course``, ``course_row``, ``enrollment_row``,
``enrol_directly``.
"""

from __future__ import annotations

import contextlib

import pytest

PLUGIN = "payments"


@pytest.fixture
def plugin_admin(plugin_operator):
    """Change this plugin's enablement or settings for a tenant, as an operator would."""
    return plugin_operator(PLUGIN)


@pytest.fixture
def tenant_request(registry):
    """``with tenant_request(tenant) as request:`` a request bound to ``tenant`` (no
    identity) in a transaction of its own, committed when the block ends without an
    exception (``commit=False``: aborted), like a task's. For service-level tests."""
    import transaction

    from learninghub.tasks import make_tenant_request

    @contextlib.contextmanager
    def open_request(tenant, *, commit: bool = True):
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        info = registry["tenancy.resolver"].by_id(tenant.id)
        request = make_tenant_request(registry, info, tm)
        try:
            yield request
        except BaseException:
            tm.abort()
            raise
        else:
            if commit:
                tm.commit()
            else:
                tm.abort()
        finally:
            request.db.close()

    return open_request
