"""A test plugin requiring alpha, whose hooks misbehave."""

from learninghub.hookspecs import hookimpl
from learninghub.manifest import PluginManifest

manifest = PluginManifest(name="beta", version="0.1.0", title="Beta", requires=("alpha",))


@hookimpl(tryfirst=True)
def learninghub_alpha_provider(request):
    raise RuntimeError("beta's provider is broken")


@hookimpl
def learninghub_nav_items(request):
    raise RuntimeError("beta's navigation is broken")
