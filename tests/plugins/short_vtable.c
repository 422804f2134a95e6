/* Fixture: a plugin claiming a vtable smaller than ABI 1.0's (as if built from a broken header). */
#include <berth/plugin.h>
#include <berth/storage.h>

static const struct berth_storage_ops ops;

static const struct berth_plugin_desc desc = {
	.abi_major = BERTH_ABI_MAJOR,
	.abi_minor = 0,
	.kind = BERTH_PLUGIN_STORAGE,
	.name = "short_vtable",
	.vtable_size = 3 * sizeof(void *),
	.vtable = &ops,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *host)
{
	(void)host;
	return &desc;
}
