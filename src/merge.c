/* merge.c - see merge.h. */
#include "merge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "database.h"
#include "log.h"
#include "store.h"

/* The language of merge input `path` into `language`: 0, or an exit
 * status (logged) when it is missing or unreadable (1), not a database of
 * this schema version (2), or not in `expected`'s language (2). */
static int merge_input_language(const char *path, const char *expected, char *language,
                                size_t size) {
    if (access(path, R_OK) != 0) {
        log_error("%s: %s (nothing merged)", path, strerror(errno));
        return EXIT_FATAL;
    }
    int code = database_language(path, language, size);
    if (code == 0 && expected && strcmp(language, expected) != 0) {
        log_error("%s holds %s text, the first input %s: nothing merged", path, language, expected);
        code = EXIT_USAGE;
    }
    return code;
}

/* After merging `input`, OUT holds no changes cursor, for `why`. */
static void warn_no_cursor(const struct options *opt, const char *input, const char *why) {
    log_warn("%s: no changes cursor after merging %s: %s; run 'tmdb-ingest --db %s export "
             "--max-age 7d' (it fetches only what is older) before the next changes, or merge "
             "every part again once its export has finished",
             opt->merge_out, input, why, opt->merge_out);
}

/* merge OUT IN...: each input in its own transaction, in order; then,
 * when every part came again, the changes cursor is theirs
 * (store_merge_settle_cursor()). */
int merge_run(const struct options *opt) {
    /* the output holds the language of the first input */
    char language[64];
    int code = merge_input_language(opt->merge_inputs[0], NULL, language, sizeof language);
    /* every input is checked before the output is created or written */
    for (int i = 1; i < opt->n_merge_inputs && code == 0; i++) {
        char other[64];
        code = merge_input_language(opt->merge_inputs[i], language, other, sizeof other);
    }
    if (code != 0)
        return code;
    int lock_fd;
    struct store *out;
    code = database_open_for_merge(opt->merge_out, language, opt, &lock_fd, &out);
    if (code == EXIT_OK && store_merge_begin(out) != STORE_OK) {
        log_error("%s", store_errmsg(out));
        code = EXIT_FATAL;
    }
    bool incomplete = false, here_incomplete = false; /* for the warnings */
    for (int i = 0; i < opt->n_merge_inputs && code == EXIT_OK; i++) {
        struct store_merge_counts c;
        enum store_status ss = store_merge(out, opt->merge_inputs[i], &c);
        if (ss != STORE_OK) {
            log_error("%s", store_errmsg(out));
            code = ss == STORE_ERR_LANGUAGE || ss == STORE_ERR_SCHEMA ? EXIT_USAGE : EXIT_FATAL;
            continue;
        }
        incomplete |= c.input_incomplete;
        here_incomplete |= c.here_incomplete;
        if (c.input_incomplete)
            warn_no_cursor(opt, opt->merge_inputs[i],
                           "it has none (its export or changes has not finished: still running, "
                           "or stopped before its end; or it read a file of unknown day)");
        if (c.older_copies > 0)
            log_warn("%s: %" PRId64 " movie(s) of %s and %s were fetched later from a copy "
                     "older than the earlier fetch's (TMDB's cache): the later fetch is kept, "
                     "noted in stale_copies; the next 'changes' run fetches them again",
                     opt->merge_out, c.older_copies, opt->merge_out, opt->merge_inputs[i]);
        if (c.running > 0)
            log_warn("%s: %" PRId64 " run(s) of %s were still running (or were merged into it "
                     "while running): merge it again once they have ended (until then, dump's "
                     "next --since stays before them); a run whose load was killed ends only "
                     "when the next load on %s marks it aborted",
                     opt->merge_out, c.running, opt->merge_inputs[i], opt->merge_inputs[i]);
        if (opt->verbosity >= 0) {
            char line[1024];
            snprintf(line, sizeof line,
                     "tmdb-ingest: merged %s: movies=%" PRId64 " taken=%" PRId64 " runs=%" PRId64,
                     opt->merge_inputs[i], c.movies_read, c.movies_taken, c.runs);
            const struct log_field fields[] = {
                {"input", opt->merge_inputs[i], 0},
                {"movies", NULL, (double)c.movies_read},
                {"taken", NULL, (double)c.movies_taken},
                {"runs", NULL, (double)c.runs},
            };
            log_event("merged", line, fields, sizeof fields / sizeof *fields);
        }
    }
    /* every part merged again, complete: the cursor is theirs (a part
     * incomplete before may have left none) */
    bool settled = false;
    if (code == EXIT_OK && store_merge_settle_cursor(out, &settled) != STORE_OK) {
        log_error("%s", store_errmsg(out));
        code = EXIT_FATAL;
    }
    if (code == EXIT_OK && here_incomplete && !incomplete && !settled)
        warn_no_cursor(opt, opt->merge_inputs[opt->n_merge_inputs - 1],
                       "a part merged before had none");
    database_close(out, lock_fd);
    return code;
}
