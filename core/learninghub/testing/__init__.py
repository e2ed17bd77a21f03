"""Testing kit for the kernel and plugins: fixtures (``learninghub.testing.plugin``, loaded
by pytest automatically), service contract mixins (``contracts``) and the plugin
contract (``plugin_contract.PluginContractTests``)."""

from .plugin import PASSWORD, Client, TenantHandle  # noqa: F401
