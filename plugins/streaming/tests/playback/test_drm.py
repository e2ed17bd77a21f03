"""The multi-DRM interface: no provider by default, a registered one is found."""

from __future__ import annotations

from zope.interface import implementer
from zope.interface.verify import verifyObject

from learninghub_streaming.playback import drm


@implementer(drm.IDrmProvider)
class FakeProvider:
    """A provider as a multi-DRM plugin would register it (test double)."""

    def key_system(self, request, stream):
        return {"com.widevine.alpha": {"licenseUrl": self.license_url(request, stream, "x")}}

    def license_url(self, request, stream, scope):
        return f"https://drm.example.invalid/license?stream={stream.id}&scope={scope}"


def _request(registry, tenant):
    from learninghub.tasks import make_tenant_request

    info = registry["tenancy.resolver"].by_id(tenant.id)
    return make_tenant_request(registry, info, None)


def test_no_provider_by_default(registry, tenant):
    assert drm.drm_provider(_request(registry, tenant)) is None


def test_a_provider_registered_from_an_includeme_is_found(world):
    """A separate registry (the app's is shared by the session) where a plugin's
    includeme registered its provider."""
    from pyramid.config import Configurator
    from pyramid.request import Request, apply_request_extensions

    provider = FakeProvider()
    assert verifyObject(drm.IDrmProvider, provider)

    def includeme(config):
        config.register_service(provider, drm.IDrmProvider)

    config = Configurator()
    config.include("pyramid_services")
    config.include(includeme)
    config.commit()
    request = Request.blank("/")
    request.registry = config.registry
    apply_request_extensions(request)
    found = drm.drm_provider(request)
    assert found is provider
    assert found.key_system(request, world.stream) == {
        "com.widevine.alpha": {
            "licenseUrl": f"https://drm.example.invalid/license?stream={world.stream.id}&scope=x"
        }
    }
