"""The kernel's plugin contract, applied to courses."""

from __future__ import annotations

from learninghub.testing.plugin_contract import PluginContractTests

from .conftest import course_body


class TestCoursesContract(PluginContractTests):
    plugin = "courses"
    probes = [
        ("GET", "/api/v1/courses"),
        ("GET", "/api/v1/course-categories"),
        ("GET", "/courses"),
        ("GET", "/teach"),
        ("GET", "/admin/courses"),
    ]

    def create_resource(self, client, tenant, user):
        r = client(tenant, user).post_json("/api/v1/courses", course_body())
        assert r.status_int == 201, r.text
        return r.json["url"]
