/*
 * tempdir.h - removing a unit test's temporary directory (made with
 * mkdtemp()) and everything in it: databases with their -wal, -shm and
 * .lock files, and directories a test made inside it.
 *
 * Header-only, for the test binaries (each is one .c file). Symlinks are
 * removed, never followed.
 */
#ifndef TMDB_TESTS_TEMPDIR_H
#define TMDB_TESTS_TEMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Remove `path`, and when it is a directory everything under it first.
 * 0, or -1 with errno set at the first entry that cannot be removed. */
static int tempdir_remove(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *dir = opendir(path);
    if (!dir)
        return -1;
    int rc = 0;
    const struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[4096];
        int n = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        rc = n < 0 || (size_t)n >= sizeof child ? -1 : tempdir_remove(child);
    }
    closedir(dir);
    return rc == 0 ? rmdir(path) : -1;
}

#endif
