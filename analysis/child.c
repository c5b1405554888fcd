/* Forked workers (analysis/child.h). The child writes a header (fn's
 * return value and the result's length) and the result to a temporary
 * file, then leaves with _exit() so that nothing of the parent's (stdio
 * buffers, atexit handlers) runs twice; the parent reads the file once
 * the child has exited (a pipe would make the two take turns for every
 * 64 KiB, which costs much on a loaded machine). Its stderr is another
 * temporary file, so that a child with many diagnostics never blocks, and
 * the parent can print them after its own. */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwc/strbuf.h"
#include "fwc/util.h"

struct header {
	int32_t rc;
	uint32_t magic;
	uint64_t len;
};

#define CHILD_MAGIC 0x66776363u

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
fwc_child_start(struct fwc_child *c,
    int (*fn)(void *ctx, struct fwc_strbuf *out), void *ctx)
{
	FILE *res;

	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->fd = -1;
	c->err = tmpfile();
	res = tmpfile();
	if (c->err == NULL || res == NULL) {
		if (c->err != NULL)
			fclose(c->err);
		if (res != NULL)
			fclose(res);
		c->err = NULL;
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		fclose(res);
		fclose(c->err);
		c->err = NULL;
		return -1;
	}
	if (c->pid == 0) {
		struct fwc_strbuf out;
		struct header h;

		if (dup2(fileno(c->err), 2) < 0)
			_exit(127);
		fwc_strbuf_init(&out);
		h.rc = fn(ctx, &out);
		h.magic = CHILD_MAGIC;
		h.len = out.len;
		fflush(stderr);
		if (write_all(fileno(res), (const char *)&h, sizeof(h)) < 0 ||
		    write_all(fileno(res), out.buf, out.len) < 0)
			_exit(127);
		fwc_strbuf_release(&out); /* clean for leak checkers */
		_exit(0);
	}
	c->fd = dup(fileno(res));
	fclose(res);
	if (c->fd < 0) {
		fwc_child_close(c);
		return -1;
	}
	return 0;
}

int
fwc_child_finish(struct fwc_child *c, int *rc, char **buf, size_t *len)
{
	struct header h;
	struct stat st;
	char *p;
	size_t got = 0;
	int ws;
	pid_t w;

	while ((w = waitpid(c->pid, &ws, 0)) < 0 && errno == EINTR)
		;
	c->pid = -1;
	if (w < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0 ||
	    fstat(c->fd, &st) < 0 || st.st_size < (off_t)sizeof(h))
		return -1;
	p = fwc_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n =
		    pread(c->fd, p + got, (size_t)st.st_size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == (size_t)st.st_size)
		memcpy(&h, p, sizeof(h));
	if (got != (size_t)st.st_size || h.magic != CHILD_MAGIC ||
	    h.len != got - sizeof(h)) {
		free(p);
		return -1;
	}
	memmove(p, p + sizeof(h), (size_t)h.len);
	p[h.len] = '\0';
	*rc = h.rc;
	*buf = p;
	*len = (size_t)h.len;
	return 0;
}

void
fwc_child_replay(struct fwc_child *c)
{
	char chunk[65536];
	size_t n;

	if (c->err == NULL)
		return;
	fflush(stderr);
	rewind(c->err);
	while ((n = fread(chunk, 1, sizeof(chunk), c->err)) > 0)
		if (write_all(2, chunk, n) < 0)
			break;
}

void
fwc_child_close(struct fwc_child *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (c->err != NULL)
		fclose(c->err);
	memset(c, 0, sizeof(*c));
	c->pid = -1;
	c->fd = -1;
}
