/*
 * load.h - one load (list, ids, changes, export), from the database's
 * opening to the exit status: the run's row in `runs`, the ids not to
 * fetch again (resumed runs, --max-age), the pipeline (pipeline.h), what
 * export and changes do around it (sync.h), the summary line, and the
 * outcome as an exit status (cli.h). A dry run counts instead, on stdout.
 *
 * Main's thread only, once per process, after stop_init(),
 * stop_catch_signals() and the libraries' global set-up (store.h, http.h,
 * json.h).
 */
#ifndef TMDB_LOAD_H
#define TMDB_LOAD_H

struct credential;
struct options;

/* Run the load `opt` describes with `cred` (borrowed); argv is recorded
 * as the run's command (it never holds the credential: no option takes
 * one). `opt` is completed on the way (sync.h: the export's day, the
 * changes' days). Returns the exit status (cli.h); every error is logged. */
int load_run(int argc, char **argv, struct options *opt, const struct credential *cred);

#endif
