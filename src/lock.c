/* lock.c - see lock.h. */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK (Linux 3.15) */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "log.h"

/* Links followed to find the database file: as many as the kernel follows
 * before ELOOP (Linux's MAXSYMLINKS). */
#define MAX_LINKS 40

/* Follow `path` through symlinks, even to a file that does not exist yet
 * (a database this run creates through a link): into out. */
static int follow_links(const char *path, char *out, size_t size) {
    if (snprintf(out, size, "%s", path) >= (int)size)
        return -ENAMETOOLONG;
    /* a readlink() a link, and one more for what the last leads to */
    for (int hops = 0; hops <= MAX_LINKS; hops++) {
        char target[PATH_MAX];
        ssize_t n = readlink(out, target, sizeof target - 1);
        if (n < 0)
            return 0; /* not a link (or not there): done */
        target[n] = '\0';
        if (target[0] == '/') {
            if (snprintf(out, size, "%s", target) >= (int)size)
                return -ENAMETOOLONG;
            continue;
        }
        char *slash = strrchr(out, '/'); /* relative: to the link's directory */
        size_t dir = slash ? (size_t)(slash - out) + 1 : 0;
        if (dir + (size_t)n >= size)
            return -ENAMETOOLONG;
        memcpy(out + dir, target, (size_t)n + 1);
    }
    return -ELOOP;
}

/* The database file itself (lock.h): a symlink and its target share one
 * lock, also before the target exists. The directory is made absolute with
 * realpath() when it exists. */
int lock_database_path(const char *db_path, char *out, size_t size) {
    char file[PATH_MAX], dir[PATH_MAX];
    int rc = follow_links(db_path, file, sizeof file);
    if (rc != 0)
        return rc;
    char *slash = strrchr(file, '/');
    const char *base = slash ? slash + 1 : file;
    if (slash == file)
        snprintf(dir, sizeof dir, "/");
    else if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
    else
        snprintf(dir, sizeof dir, ".");
    char real[PATH_MAX];
    const char *d = realpath(dir, real) ? real : dir;
    return snprintf(out, size, "%s/%s", strcmp(d, "/") == 0 ? "" : d, base) < (int)size
               ? 0
               : -ENAMETOOLONG;
}

int lock_file_path(const char *db_path, char *out, size_t size) {
    int rc = lock_database_path(db_path, out, size);
    if (rc != 0)
        return rc;
    size_t n = strlen(out);
    return snprintf(out + n, size - n, ".lock") < (int)(size - n) ? 0 : -ENAMETOOLONG;
}

/* Open the lock file without following a symlink planted in its place,
 * read-write: where the client emulates flock(2) with a POSIX write lock
 * on the whole file (NFS), an exclusive flock on a descriptor not open for
 * writing fails (EBADF on NFSv4). One this user may not write (another
 * user's, made by root by hand; a read-only filesystem) is opened
 * read-only, which a local flock() needs no more than, so that it does
 * not lock the service user out. *created tells whether this call made
 * it, *writable whether it is open for writing. */
static int open_lock(const char *path, bool *created, bool *writable) {
    /* O_NONBLOCK: a FIFO in its place must not hang the open (flock()
     * ignores the flag) */
    int flags = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
    int f = open(path, O_RDWR | flags | O_CREAT | O_EXCL, 0644);
    *created = f >= 0;
    *writable = true;
    if (f < 0 && errno == EEXIST) {
        f = open(path, O_RDWR | flags);
        /* EISDIR: a directory in its place is then refused as any file
         * that is not a regular one, as when it was opened read-only */
        if (f < 0 && (errno == EACCES || errno == EROFS || errno == EISDIR)) {
            f = open(path, O_RDONLY | flags);
            *writable = false;
        }
    }
    return f;
}

/* A database found at `db_path` (through symlinks) must be a regular file
 * with one name. SQLite names its -wal and -shm after the path it is
 * given, and the lock is named so too: a run through a second hard link
 * would take another lock and miss this name's log, whose committed
 * transactions it would then overwrite. Returns 1 with *db filled when the
 * file is there, 0 when not (or unreadable: SQLite says why), or -1 with
 * `err` set (before anything is created beside it). */
static int check_database_file(const char *db_path, struct stat *db, char *err, size_t err_size) {
    if (stat(db_path, db) != 0)
        return 0;
    if (!S_ISREG(db->st_mode)) {
        snprintf(err, err_size, "%s is %s, not a database file", db_path,
                 S_ISDIR(db->st_mode) ? "a directory" : "a device, FIFO or socket");
        return -1;
    }
    if (db->st_nlink > 1) {
        snprintf(err, err_size,
                 "%s has %ju hard links: SQLite names its -wal and -shm files after the path, "
                 "so a run through another name would take another lock and miss this one's "
                 "log; keep one name (a symbolic link is fine)",
                 db_path, (uintmax_t)db->st_nlink);
        return -1;
    }
    return 1;
}

/* Filesystems whose client emulates flock(2) with byte-range locks on the
 * server (NFS, SMB since Linux 5.5, 9p, FUSE when the filesystem locks):
 * there a process's flock and its own fcntl lock on one file are one
 * lock owner's, so the read lock would downgrade the exclusive one, and a
 * query from the same client may not see the emulated flock. The lock is
 * only flock(2) there, and lock_query() says it cannot tell. */
static const char *emulating_filesystem(int fd) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return NULL; /* the read lock is then tried: it fails alone, if at all */
    switch ((unsigned long)fs.f_type) {
    case 0x6969UL: /* NFS_SUPER_MAGIC */
        return "NFS";
    case 0x517BUL:     /* SMB_SUPER_MAGIC */
    case 0xFF534D42UL: /* CIFS_SUPER_MAGIC */
    case 0xFE534D42UL: /* SMB2_SUPER_MAGIC */
        return "SMB";
    case 0x01021997UL: /* V9FS_MAGIC */
        return "9p";
    case 0x65735546UL: /* FUSE_SUPER_MAGIC */
        return "FUSE";
    default:
        return NULL;
    }
}

/* A range of the lock file for the open-file-description lock beside
 * flock: `len` bytes from `start` (0: to the end, however it grows). */
static struct flock file_range(short type, off_t start, off_t len) {
    struct flock fl;
    memset(&fl, 0, sizeof fl); /* l_pid must be 0 for the F_OFD_ commands */
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fl;
}

/* While holding the flock, also hold an open-file-description read lock on
 * the same descriptor, on the byte at offset `use` (past the end of the
 * empty file, which a lock may be), which lock_query() can see and tell
 * from another use's (flock has no query). On
 * a local filesystem the two are independent: this one excludes nobody
 * (only a write lock would conflict with it, and no one takes one). Not
 * taken where flock is emulated with byte-range locks. A failure does not
 * stop the load, which holds the flock, but stats would call its run dead:
 * a warning says so. */
static void show_holder(int f, const char *path, enum lock_use use) {
    const char *fs = emulating_filesystem(f);
    if (fs) {
        log_debug("%s is on %s: stats cannot tell whether a load holds it", path, fs);
        return;
    }
    struct flock fl = file_range(F_RDLCK, (off_t)use, 1);
    if (fcntl(f, F_OFD_SETLK, &fl) != 0)
        log_warn("could not take the read lock on %s that stats looks for (%s): stats will "
                 "say this run's row is left by a dead run while it runs",
                 path, strerror(errno));
}

/* Reads of /proc/locks, at most, to find a holder known to hold the lock.
 * The kernel makes the file a page at a time, each read(2) going on from
 * the index where the last one stopped: a lock listed before the holder's
 * and released between two reads (SQLite's come and go all the time on a
 * busy machine) moves the holder's line into the page already read, and a
 * read now and then did not see it. */
#define PROC_LOCKS_READS 4

/* One read of /proc/locks for flock_holder(): the pid of the flock on
 * `lk`'s device and inode, else of the one flock on its inode number alone
 * (*n_same_ino says how many), or 0; -1 when /proc/locks cannot be read. */
static long read_flock_holder(const struct stat *lk, int *n_same_ino) {
    FILE *locks = fopen("/proc/locks", "re");
    if (!locks)
        return -1;
    char line[256];
    long exact = 0, same_ino = 0;
    *n_same_ino = 0;
    while (exact == 0 && fgets(line, sizeof line, locks)) {
        char kind[16], mode[16];
        long pid;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*d: %15s %*s %15s %ld %x:%x:%llu", kind, mode, &pid, &maj, &min,
                   &ino) != 6 ||
            strcmp(kind, "FLOCK") != 0 || strcmp(mode, "WRITE") != 0 || pid <= 0 ||
            ino != (unsigned long long)lk->st_ino)
            continue;
        if (maj == major(lk->st_dev) && min == minor(lk->st_dev))
            exact = pid;
        else if ((*n_same_ino)++ == 0)
            same_ino = pid;
    }
    fclose(locks);
    return exact != 0 ? exact : *n_same_ino == 1 ? same_ino : 0;
}

/* The process holding the flock on the file `lk` describes, as
 * /proc/locks names it ("1: FLOCK  ADVISORY  WRITE 1234 fd:00:5678 0 EOF":
 * the pid, in this process's namespace, the filesystem's device and the
 * inode; a waiter's line has "->" before FLOCK), or 0 when none is named
 * (no /proc, a holder in another pid namespace). Where stat gives another
 * device than the superblock's that /proc/locks names (btrfs, overlayfs),
 * the one flock on that inode number is taken, if only one is. Called
 * while the lock is held: a read that finds no flock on the inode is
 * made again (PROC_LOCKS_READS). */
static pid_t flock_holder(const struct stat *lk) {
    long pid = 0;
    int n_same_ino = 0;
    for (int i = 0; i < PROC_LOCKS_READS && pid == 0 && n_same_ino == 0; i++)
        pid = read_flock_holder(lk, &n_same_ino);
    return (pid_t)(pid > 0 ? pid : 0);
}

/* Whether process `pid` is stopped (Ctrl-Z, kill -STOP, a debugger): the
 * state after the command name in /proc/PID/stat, 'T' or 't'. */
static bool process_stopped(pid_t pid) {
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *end = strrchr(stat, ')'); /* the name may hold ')' and blanks */
    return end && end[1] == ' ' && (end[2] == 'T' || end[2] == 't');
}

/* "another tmdb-ingest is already running on DB (it holds DB.lock: process
 * PID)" into err, with what to do when that process is stopped: a load
 * suspended by Ctrl-Z in a forgotten shell keeps every nightly run out. */
static void say_busy(const char *db_path, const char *path, const struct stat *lk, char *err,
                     size_t err_size) {
    pid_t pid = flock_holder(lk);
    if (pid == 0)
        snprintf(err, err_size, "another tmdb-ingest is already running on %s (it holds %s)",
                 db_path, path);
    else if (!process_stopped(pid))
        snprintf(err, err_size,
                 "another tmdb-ingest is already running on %s (it holds %s: process %ld)", db_path,
                 path, (long)pid);
    else
        snprintf(err, err_size,
                 "another tmdb-ingest is already running on %s (it holds %s: process %ld, "
                 "which is stopped, as by Ctrl-Z: `fg` in its shell or `kill -CONT %ld` lets it "
                 "go on)",
                 db_path, path, (long)pid, (long)pid);
}

enum lock_status lock_acquire(const char *db_path, enum lock_use use, int *fd, char *err,
                              size_t err_size) {
    char path[PATH_MAX + 8];
    *fd = -1;
    int rc = lock_file_path(db_path, path, sizeof path);
    if (rc != 0) {
        snprintf(err, err_size, "%s: %s", db_path,
                 rc == -ELOOP ? "symbolic links in a loop" : "path too long");
        return LOCK_ERROR;
    }
    struct stat db;
    int found_db = check_database_file(db_path, &db, err, err_size);
    if (found_db < 0)
        return LOCK_ERROR;
    bool created, writable;
    int f = open_lock(path, &created, &writable);
    if (f < 0) {
        int e = errno;
        /* The two a new set-up meets: say what the directory needs, or
         * what the lock file found there does (made by root, umask 077). */
        bool found = e == EACCES && access(path, F_OK) == 0;
        const char *hint = e == ENOENT ? " (the database's directory must exist)"
                           : found     ? " (this user may not read the lock file found there: "
                                         "give it to the user running loads, or remove it "
                                         "while no load runs)"
                           : e == EACCES
                               ? " (the database's directory must be writable by the user "
                                 "running loads: SQLite makes DB-wal and DB-shm there too)"
                               : "";
        snprintf(err, err_size, "cannot open the lock file %s: %s%s", path,
                 e == ELOOP ? "it is a symbolic link" : strerror(e), hint);
        return LOCK_ERROR;
    }
    struct stat lk;
    bool stat_ok = fstat(f, &lk) == 0;
    if (!stat_ok || !S_ISREG(lk.st_mode)) {
        snprintf(err, err_size, "cannot use the lock file %s: %s", path,
                 stat_ok ? "it is not a regular file" : strerror(errno));
        close(f);
        return LOCK_ERROR;
    }
    /* Made just now beside a database: give it the database's mode, and
     * when root made it for another user's database, that owner, as SQLite
     * does with DB-wal and DB-shm. Whoever may read the database may then
     * query the lock (stats' "alive"), whatever the umask of the run that
     * made it (root's 077 made it 0600). Only a file this call created:
     * never one found in place. */
    if (created && found_db && fchmod(f, db.st_mode & 0666) != 0)
        log_debug("could not give %s the database's mode: %s", path, strerror(errno));
    if (created && geteuid() == 0 && found_db && db.st_uid != 0 &&
        fchown(f, db.st_uid, db.st_gid) != 0)
        log_debug("could not give %s to the database's owner: %s", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        close(f);
        if (saved == EWOULDBLOCK) {
            say_busy(db_path, path, &lk, err, err_size);
            return LOCK_BUSY;
        }
        snprintf(err, err_size, "cannot lock %s: %s%s", path, strerror(saved),
                 saved == EBADF && !writable
                     ? " (this user may not write it, which an exclusive lock on NFS needs: "
                       "give it to the user running loads, or remove it while no load runs)"
                     : "");
        return LOCK_ERROR;
    }
    show_holder(f, path, use);
    *fd = f;
    return LOCK_OK;
}

bool lock_still_named(int fd, const char *db_path) {
    char path[PATH_MAX];
    struct stat held, named;
    if (fd < 0 || lock_file_path(db_path, path, sizeof path) != 0 || fstat(fd, &held) != 0)
        return true;
    return stat(path, &named) == 0 && named.st_dev == held.st_dev && named.st_ino == held.st_ino;
}

void lock_release(int fd) {
    if (fd >= 0)
        close(fd);
}

long lock_holder_pid(const char *db_path, bool *stopped) {
    char path[PATH_MAX + 8];
    struct stat st;
    *stopped = false;
    if (lock_file_path(db_path, path, sizeof path) != 0)
        return 0;
    int f = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (f < 0)
        return 0;
    bool stat_ok = fstat(f, &st) == 0;
    close(f); /* it held no lock: closing releases none of anyone's */
    pid_t pid = stat_ok && S_ISREG(st.st_mode) ? flock_holder(&st) : 0;
    *stopped = pid != 0 && process_stopped(pid);
    return (long)pid;
}

enum lock_holder lock_query(const char *db_path, enum lock_use *use, char *why, size_t why_size) {
    char path[PATH_MAX + 8];
    if (lock_file_path(db_path, path, sizeof path) != 0) {
        snprintf(why, why_size, "%s: symbolic links in a loop, or a path too long", db_path);
        return LOCK_HOLDER_UNKNOWN;
    }
    /* read-only and never created: stats also reads read-only filesystems */
    int f = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (f < 0 && errno == ENOENT)
        return LOCK_HOLDER_NONE; /* no load or merge ever ran on this database */
    if (f < 0) {
        snprintf(why, why_size, "cannot open the lock file %s: %s", path,
                 errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return LOCK_HOLDER_UNKNOWN;
    }
    struct stat st;
    const char *fs = NULL;
    struct flock fl = file_range(F_WRLCK, 0, 0); /* the whole file: any use's byte */
    enum lock_holder holder = LOCK_HOLDER_UNKNOWN;
    if (fstat(f, &st) != 0)
        snprintf(why, why_size, "cannot use the lock file %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        snprintf(why, why_size, "the lock file %s is not a regular file", path);
    else if ((fs = emulating_filesystem(f)) != NULL)
        snprintf(why, why_size, "the lock file %s is on %s, where its lock cannot be queried", path,
                 fs);
    else if (fcntl(f, F_OFD_GETLK, &fl) != 0)
        snprintf(why, why_size, "cannot query the lock on %s: %s", path, strerror(errno));
    else
        holder = fl.l_type == F_UNLCK ? LOCK_HOLDER_NONE : LOCK_HOLDER_LIVE;
    /* one holder at most (the flock is exclusive); the whole file from 0
     * is a version's from before lock_use, which loads and merges shared */
    if (holder == LOCK_HOLDER_LIVE)
        *use = fl.l_len == 1 && fl.l_start >= LOCK_FOR_LOAD && fl.l_start <= LOCK_FOR_RESTORE
                   ? (enum lock_use)fl.l_start
                   : LOCK_FOR_LOAD;
    close(f); /* it held no lock: closing releases none of anyone's */
    return holder;
}
