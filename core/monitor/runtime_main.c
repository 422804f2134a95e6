/* berth-runtime: the short-lived, heavy half of a container's monitor (container/spawn.h). The
 * monitor runs it as its child to set up a restart, so that the runtime, seccomp and libcap are
 * loaded only while a run is set up, never in the process that lives as long as the container.
 * (The first run is set up by a fork of the berth that starts the container.)
 *
 *   berth-runtime setup [--config-file F] --data-root D --exec-root E --id ID --fd N
 *       set up a run (the init becomes the monitor's child) and hand it over on socket N */
#include "ctx.h"
#include "container/spawn.h"
#include "container/container.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *cfg = NULL, *dr = NULL, *er = NULL, *id = NULL, *action = argc > 1 ? argv[1] : "";
	struct berth_ctx ctx;
	berr_t err = { 0 };
	int fd = -1, r;


	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--config-file")) cfg = argv[i + 1];
		else if (!strcmp(argv[i], "--data-root")) dr = argv[i + 1];
		else if (!strcmp(argv[i], "--exec-root")) er = argv[i + 1];
		else if (!strcmp(argv[i], "--id")) id = argv[i + 1];
		else if (!strcmp(argv[i], "--fd")) fd = atoi(argv[i + 1]);
	}
	if (!id || fd < 0 || strcmp(action, "setup")) {
		fprintf(stderr, "berth-runtime: started by berth-monitor, not by hand\n");
		return 2;
	}
	if (ctx_init(&ctx, cfg, dr, er, &err) < 0) {
		struct spawn_run run;
		spawn_run_init(&run);
		fprintf(stderr, "berth-runtime: %s\n", err.msg);
		snprintf(run.msg, sizeof(run.msg), "%s", err.msg);
		spawn_send(fd, &run);
		ctx_free(&ctx);
		return 125;
	}
	{
		struct spawn_run run;
		struct container *c;
		spawn_run_init(&run);
		if (container_read_monitor_config(&ctx, id, &c, &err) == 0) {
			container_spawn(&ctx, c, NULL, 1, &run);
			container_free(c);
		} else {
			snprintf(run.msg, sizeof(run.msg), "%s", err.msg);
		}
		r = spawn_send(fd, &run);
		if (r < 0)
			fprintf(stderr, "berth-runtime: hand the run over: %s\n", strerror(-r));
		r = run.code ? run.code : r < 0 ? 125 : 0;
	}
	ctx_free(&ctx);
	return r;
}
