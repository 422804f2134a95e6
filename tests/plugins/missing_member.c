/* Fixture: a storage plugin of the right ABI that lacks a required member (apply_diff). */
#include <berth/plugin.h>
#include <berth/storage.h>

static int init(const char *home, struct berth_error *err) { (void)home; (void)err; return 0; }
static int create(const char *id, const char *parent, struct berth_error *err) { (void)id; (void)parent; (void)err; return 0; }
static int remove_layer(const char *id, struct berth_error *err) { (void)id; (void)err; return 0; }
static int exists(const char *id) { (void)id; return 0; }
static int get(const char *id, const char *o, char *p, size_t l, struct berth_error *err) { (void)id; (void)o; (void)p; (void)l; (void)err; return 0; }
static int put(const char *id, struct berth_error *err) { (void)id; (void)err; return 0; }

static const struct berth_storage_ops ops = {
	.init = init, .create = create, .create_rw = create, .remove = remove_layer,
	.exists = exists, .get = get, .put = put, /* .apply_diff missing */
};

static const struct berth_plugin_desc desc = {
	.abi_major = BERTH_ABI_MAJOR,
	.abi_minor = BERTH_ABI_MINOR,
	.kind = BERTH_PLUGIN_STORAGE,
	.name = "missing_member",
	.vtable_size = sizeof(struct berth_storage_ops),
	.vtable = &ops,
};

const struct berth_plugin_desc *berth_plugin_entry(const struct berth_host *host)
{
	(void)host;
	return &desc;
}
