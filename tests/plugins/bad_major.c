/* Fixture: a storage plugin built for a future ABI major; the loader must refuse it by name. */
#include <berth/plugin.h>
#include <berth/storage.h>

static const struct berth_storage_ops ops;

static const struct berth_plugin_desc desc = {
	.abi_major = BERTH_ABI_MAJOR + 1,
	.abi_minor = 0,
	.kind = BERTH_PLUGIN_STORAGE,
	.name = "bad_major",
	.vtable_size = sizeof(struct berth_storage_ops),
	.vtable = &ops,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *host)
{
	(void)host;
	return &desc;
}
