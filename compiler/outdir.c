/* Crash safety of output files: temporary files left by killed runs, and
 * the files of `compile --all -o DIR` that earlier runs wrote
 * (docs/security.md, docs/cli.md "Output files"). */
#include "fwc/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwc/cli.h"
#include "fwc/strbuf.h"
#include "fwc/util.h"

#define PENDING "MANIFEST.pending"

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* name is base ".tmp" and six letters or digits (mkstemp's alphabet). */
static bool
is_temp_of(const char *name, const char *base, size_t blen)
{
	if (strncmp(name, base, blen) != 0 ||
	    strncmp(name + blen, ".tmp", 4) != 0)
		return false;
	name += blen + 4;
	for (int i = 0; i < 6; i++)
		if (!is_alnum(name[i]))
			return false;
	return name[6] == '\0';
}

/* Removes dir/name when it is a regular file of ours that no live run
 * holds locked (the writer keeps a write lock on its temporary file until
 * the rename, and a lock dies with its process). */
static void
remove_temp(const char *dir, const char *name)
{
	char *full = fwc_xmalloc(strlen(dir) + strlen(name) + 2);
	struct flock fl;
	struct stat st, lst;
	int fd;

	sprintf(full, "%s/%s", dir, name);
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		free(full);
		return;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && fcntl(fd, F_SETLK, &fl) == 0 &&
	    lstat(full, &lst) == 0 && lst.st_dev == st.st_dev &&
	    lst.st_ino == st.st_ino)
		unlink(full);
	close(fd);
	free(full);
}

void
fwc_outdir_remove_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	char *dir;
	DIR *d;
	struct dirent *e;

	if (blen == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return;
	if (slash == NULL) {
		dir = fwc_xstrdup(".");
	} else if (slash == path) {
		dir = fwc_xstrdup("/");
	} else {
		dir = fwc_xmalloc((size_t)(slash - path) + 1);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	d = opendir(dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (is_temp_of(e->d_name, base, blen))
				remove_temp(dir, e->d_name);
		closedir(d);
	}
	free(dir);
}

/* NAME/FILE with NAME a possible enforcement point name and FILE one of
 * the names fwc writes: never a path outside DIR or a file fwc does not
 * write. */
static bool
valid_rel(const char *rel, const char *const *file_names)
{
	const char *slash = strchr(rel, '/');
	size_t nlen;

	if (slash == NULL)
		return false;
	nlen = (size_t)(slash - rel);
	if (nlen == 0 || nlen > 64 || (nlen == 1 && rel[0] == '.') ||
	    (nlen == 2 && rel[0] == '.' && rel[1] == '.'))
		return false;
	for (size_t i = 0; i < nlen; i++)
		if (!is_alnum(rel[i]) && rel[i] != '.' && rel[i] != '_' &&
		    rel[i] != '-')
			return false;
	for (size_t i = 0; file_names[i] != NULL; i++)
		if (strcmp(slash + 1, file_names[i]) == 0)
			return true;
	return false;
}

static bool
is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static void
add_old(struct fwc_outdir *od, size_t *cap, const char *rel)
{
	if (od->n_old == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		od->old = fwc_xrealloc(od->old, *cap * sizeof(*od->old));
	}
	od->old[od->n_old++] = fwc_xstrdup(rel);
}

/* Adds the valid entries of DIR/name: sha256sum lines when hashed, else
 * one path a line. A missing file adds nothing. */
static int
read_list(struct fwc_outdir *od, size_t *cap, const char *name, bool hashed,
    const char *const *file_names)
{
	char *path = fwc_xmalloc(strlen(od->dir) + strlen(name) + 2);
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	FILE *f;

	sprintf(path, "%s/%s", od->dir, name);
	f = fopen(path, "r");
	if (f == NULL) {
		int rc = errno == ENOENT ? 0 : -1;

		if (rc < 0)
			fprintf(stderr, "fwc: cannot read '%s': %s\n", path,
			    strerror(errno));
		free(path);
		return rc;
	}
	while ((len = getline(&line, &lcap, f)) > 0) {
		const char *rel = line;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (hashed) {
			if (len < 67 || !is_hex64(line) || line[64] != ' ' ||
			    line[65] != ' ')
				continue;
			rel = line + 66;
		}
		if (valid_rel(rel, file_names))
			add_old(od, cap, rel);
	}
	free(line);
	fclose(f);
	free(path);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fwc_outdir_begin(struct fwc_outdir *od, const char *dir,
    const char *const *file_names, const char *const *rels, size_t n)
{
	struct fwc_strbuf sb;
	size_t cap = 0;
	size_t k = 0;
	char *path;
	int rc;

	od->dir = fwc_xstrdup(dir);
	od->old = NULL;
	od->n_old = 0;
	if (read_list(od, &cap, "MANIFEST", true, file_names) < 0 ||
	    read_list(od, &cap, PENDING, false, file_names) < 0)
		return FWC_EXIT_SYSTEM;
	if (od->n_old > 0)
		qsort(od->old, od->n_old, sizeof(*od->old), cmp_str);
	for (size_t i = 0; i < od->n_old; i++) {
		if (k > 0 && strcmp(od->old[k - 1], od->old[i]) == 0) {
			free(od->old[i]);
			continue;
		}
		od->old[k++] = od->old[i];
	}
	od->n_old = k;
	/* Everything this run may leave behind, for the next run should
	 * this one be killed before it writes MANIFEST. */
	fwc_strbuf_init(&sb);
	for (size_t i = 0; i < od->n_old; i++)
		fwc_strbuf_addf(&sb, "%s\n", od->old[i]);
	for (size_t i = 0; i < n; i++)
		if (od->n_old == 0 || bsearch(&rels[i], od->old, od->n_old,
					  sizeof(*od->old), cmp_str) == NULL)
			fwc_strbuf_addf(&sb, "%s\n", rels[i]);
	path = fwc_xmalloc(strlen(dir) + sizeof(PENDING) + 1);
	sprintf(path, "%s/%s", dir, PENDING);
	rc = fwc_cli_write_output(path, sb.buf ? sb.buf : "", sb.len);
	fwc_strbuf_release(&sb);
	if (rc == 0) {
		sprintf(path, "%s/MANIFEST", dir);
		if (unlink(path) < 0 && errno != ENOENT) {
			fprintf(stderr, "fwc: cannot remove '%s': %s\n", path,
			    strerror(errno));
			rc = FWC_EXIT_SYSTEM;
		}
	}
	free(path);
	return rc;
}

/* Removes DIR/rel, a regular file in a real directory DIR/NAME, with the
 * temporary files a killed run left next to it, then DIR/NAME if that
 * is now empty. */
static int
remove_old(const struct fwc_outdir *od, const char *rel)
{
	char *path = fwc_xmalloc(strlen(od->dir) + strlen(rel) + 2);
	char *slash;
	struct stat st;
	int rc = 0;

	sprintf(path, "%s/%s", od->dir, rel);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(path);
		return 0;
	}
	*slash = '/';
	fwc_outdir_remove_temps(path);
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT) {
			fprintf(stderr, "fwc: cannot remove '%s': %s\n", path,
			    strerror(errno));
			rc = FWC_EXIT_SYSTEM;
		} else if (od->verbose) {
			fprintf(stderr,
			    "fwc: removed '%s' (no longer in the policy)\n",
			    path);
		}
	}
	*slash = '\0';
	(void)rmdir(path); /* only when empty */
	free(path);
	return rc;
}

int
fwc_outdir_finish(struct fwc_outdir *od, const char *const *rels, size_t n,
    const char *manifest, size_t len)
{
	const char **sorted = fwc_xcalloc(n + 1, sizeof(*sorted));
	char *path;
	int rc = 0;

	if (n > 0)
		memcpy(sorted, rels, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (size_t i = 0; i < od->n_old && rc == 0; i++)
		if (bsearch(&od->old[i], sorted, n, sizeof(*sorted), cmp_str) ==
		    NULL)
			rc = remove_old(od, od->old[i]);
	free(sorted);
	if (rc != 0)
		return rc;
	path = fwc_xmalloc(strlen(od->dir) + sizeof(PENDING) + 1);
	sprintf(path, "%s/MANIFEST", od->dir);
	rc = fwc_cli_write_output(path, manifest, len);
	if (rc == 0) {
		sprintf(path, "%s/%s", od->dir, PENDING);
		if (unlink(path) < 0 && errno != ENOENT) {
			fprintf(stderr, "fwc: cannot remove '%s': %s\n", path,
			    strerror(errno));
			rc = FWC_EXIT_SYSTEM;
		}
	}
	free(path);
	return rc;
}

void
fwc_outdir_release(struct fwc_outdir *od)
{
	for (size_t i = 0; i < od->n_old; i++)
		free(od->old[i]);
	free(od->old);
	free(od->dir);
	od->old = NULL;
	od->n_old = 0;
	od->dir = NULL;
}
