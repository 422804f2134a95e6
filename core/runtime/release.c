/* Letting a waiting init go and reading its exec result: the halves of runtime_release that the
 * monitor needs without the rest of the runtime (it links none of it). */
#include "runtime/runtime.h"

#include <errno.h>
#include <unistd.h>

int runtime_let_go(int sync_fd, berr_t *err)
{
	int r = 0;

	if (write(sync_fd, "g", 1) != 1)
		r = berr_sys(err, errno, "release container init");
	close(sync_fd);
	return r;
}

int runtime_exec_result(int exec_fd, int *exit_code, berr_t *err)
{
	struct rt_exec_report rep;
	ssize_t n;

	*exit_code = 0;
	do
		n = read(exec_fd, &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(exec_fd);
	if (n == 0)
		return 0;   /* close-on-exec fired: the command is running */
	if (n != (ssize_t)sizeof(rep)) {
		*exit_code = 125;
		return berr_set(err, EIO, "container init died during setup");
	}
	*exit_code = rep.exit_code;
	return berr_set(err, rep.exit_code == 127 ? ENOENT : rep.exit_code == 126 ? EACCES : EIO, "%s", rep.msg);
}

int runtime_placed(int sync_fd, berr_t *err)
{
	if (write(sync_fd, "p", 1) != 1)
		return berr_sys(err, errno, "signal the container init");
	return 0;
}

int runtime_release(struct rt_proc *p, int *exit_code, berr_t *err)
{
	int r = runtime_placed(p->sync_fd, err);

	if (r == 0)
		r = runtime_let_go(p->sync_fd, err);
	else
		close(p->sync_fd);

	p->sync_fd = -1;
	if (r < 0) {
		close(p->exec_fd);
		p->exec_fd = -1;
		*exit_code = 125;
		return r;
	}
	r = runtime_exec_result(p->exec_fd, exit_code, err);
	p->exec_fd = -1;
	return r;
}
