/* ctx_store: the context's store, opened on first use. A file of its own so that programs
 * without sqlite (berth-monitor) can link the context without the store. */
#include "ctx.h"
#include "store/store.h"
#include "container/container.h"
#include "common/util.h"

int ctx_store(struct berth_ctx *ctx, struct store **out, berr_t *err)
{
	int r;

	if (ctx->store_unavailable)
		return berr_set(err, ENOTSUP, "the store is not available while a container is set up");
	if (!ctx->store) {
		if ((r = mkdir_p(ctx->cfg.data_root, 0711, err)) < 0)
			return r;
		if ((r = store_open(&ctx->store, ctx->cfg.data_root, err)) < 0)
			return r;
		ctx->store_close = store_close;
		container_fold_all(ctx);
		container_collect_orphans(ctx);
	}
	*out = ctx->store;
	return 0;
}
