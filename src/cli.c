/* cli.c - see cli.h. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "export.h"
#include "http.h"
#include "json.h"
#include "store.h"
#include "tmdb.h"

enum {
    OPT_DB = 1000,
    OPT_API_BASE,
    OPT_LANGUAGE,
    OPT_WORKERS,
    OPT_QUEUE_SIZE,
    OPT_RATE,
    OPT_RETRIES,
    OPT_GIVE_UP_AFTER,
    OPT_TIMEOUT,
    OPT_MAX_BODY,
    OPT_CACERT,
    OPT_TOKEN_FILE,
    OPT_PAGES,
    OPT_BATCH,
    OPT_DB_CACHE,
    OPT_NO_PROGRESS,
    OPT_REFRESH,
    OPT_VERSION,
    OPT_APPEND,
    OPT_DRY_RUN,
    OPT_MAX_AGE,
    OPT_SHARD,
    OPT_DATE,
    OPT_FILE,
    OPT_EXPORT_BASE,
    OPT_MIN_POPULARITY,
    OPT_MAX_DELETIONS,
    OPT_INCLUDE_ADULT,
    OPT_INCLUDE_VIDEO,
    OPT_SINCE,
    OPT_LOG_FORMAT,
    OPT_FORMAT,
    OPT_TABLE,
    OPT_LIMIT,
};

static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"api-base", required_argument, NULL, OPT_API_BASE},
    {"language", required_argument, NULL, OPT_LANGUAGE},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"queue-size", required_argument, NULL, OPT_QUEUE_SIZE},
    {"rate", required_argument, NULL, OPT_RATE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"give-up-after", required_argument, NULL, OPT_GIVE_UP_AFTER},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"pages", required_argument, NULL, OPT_PAGES},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"db-cache", required_argument, NULL, OPT_DB_CACHE},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"refresh", no_argument, NULL, OPT_REFRESH},
    {"append", required_argument, NULL, OPT_APPEND},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"max-age", required_argument, NULL, OPT_MAX_AGE},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"date", required_argument, NULL, OPT_DATE},
    {"file", required_argument, NULL, OPT_FILE},
    {"export-base", required_argument, NULL, OPT_EXPORT_BASE},
    {"min-popularity", required_argument, NULL, OPT_MIN_POPULARITY},
    {"max-deletions", required_argument, NULL, OPT_MAX_DELETIONS},
    {"include-adult", no_argument, NULL, OPT_INCLUDE_ADULT},
    {"include-video", no_argument, NULL, OPT_INCLUDE_VIDEO},
    {"since", required_argument, NULL, OPT_SINCE},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"table", required_argument, NULL, OPT_TABLE},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

void cli_print_help(FILE *out) {
    fprintf(out,
"Usage: tmdb-ingest [OPTIONS] list NAME [--pages N|all]\n"
"       tmdb-ingest [OPTIONS] ids ID...\n"
"       tmdb-ingest [OPTIONS] ids -          (ids from standard input)\n"
"       tmdb-ingest [OPTIONS] export [--date YYYY-MM-DD | --file PATH]\n"
"       tmdb-ingest [OPTIONS] changes [--since YYYY-MM-DD]\n"
"       tmdb-ingest merge OUT.sqlite3 IN.sqlite3...\n"
"       tmdb-ingest [--db PATH] stats [--format text|json]\n"
"       tmdb-ingest [--db PATH] dump [--since RUN_ID|TIME] [--format jsonl|csv]\n"
"                                    [--table NAME]\n"
"       tmdb-ingest [--db PATH] search QUERY [--limit N]\n"
"       tmdb-ingest [--db PATH] backup DEST\n"
"       tmdb-ingest [--db PATH] optimize\n"
"       tmdb-ingest [--db PATH] restore BACKUP\n"
"\n"
"Load movie details from The Movie Database (TMDB) into SQLite.\n"
"\n"
"Commands:\n"
"  list NAME        movies of a TMDB list: now_playing, popular, top_rated, upcoming\n"
"  ids ID...        the given movie ids; '-' reads ids from stdin (separated by\n"
"                   whitespace or commas)\n"
"  export           the whole catalogue, from TMDB's daily id export; movies no\n"
"                   longer in it are marked deleted (movies.deleted_at)\n"
"  changes          movies changed since the last export or changes run, through\n"
"                   yesterday (UTC), from /movie/changes; 404s are marked deleted\n"
"  merge OUT IN...  merge shard databases into OUT (the later write wins per movie)\n"
"  stats            what the database holds: movies, deleted, failures, freshness,\n"
"                   the last runs (--format json: one JSON object, for monitoring)\n"
"  dump             rows written since a run or a time, as JSON lines or CSV on\n"
"                   stdout, for downstream jobs (--table, default movies)\n"
"  search QUERY     full-text search of titles, overviews, taglines and keywords,\n"
"                   best first (--limit, default 10); Korean words of any length\n"
"  backup DEST      a consistent copy of the database in DEST, also while a load\n"
"                   runs; DEST is replaced only once the copy is whole\n"
"  optimize         compact the search index, which keeps the old text of rewritten\n"
"                   movies until then (weekly, after the export)\n"
"  restore BACKUP   put a backup in place of the database, while no program has\n"
"                   it open; the database's -wal and -shm go with it\n"
"\n");
    fprintf(out,
"Export and changes:\n"
"  --date YYYY-MM-DD  the export of that day (default the newest: today's from\n"
"                     08:00 UTC, else yesterday's; the day before's while TMDB\n"
"                     is late with it)\n"
"  --file PATH        read a local export file instead of downloading one\n"
"  --export-base URL  where exports are downloaded from (default %s)\n"
"  --min-popularity X only export entries with popularity >= X\n"
"  --include-adult    keep adult movies of the export or the changes (left out by\n"
"                     default); export also downloads TMDB's adult export\n"
"  --include-video    keep video entries of the export (excluded by default)\n"
"  --max-deletions N|P%%\n"
"                     mark at most N stored movies (or P%% of them) deleted in one\n"
"                     export; when more are missing, a truncated export is likely:\n"
"                     none is marked and the exit status is 3 (default 10%%, and\n"
"                     at least 100)\n"
"  --since YYYY-MM-DD changes from that day (default: the day after the last\n"
"                     day the database is complete through)\n"
"\n"
"Loads (list, ids, export, changes):\n"
"  --max-age DURATION export and list: skip movies fetched less than DURATION ago\n"
"                     (90m, 36h, 2d, 1w; 0 = off, the default), unless they lack a\n"
"                     part --append asks for that is stored in tables; export of a\n"
"                     known day: at most 87d (changes must follow from the oldest\n"
"                     copy skipped)\n"
"  --shard K/N        only ids with id %% N == K (split a backfill over N machines;\n"
"                     combine the databases with merge)\n"
"  --dry-run          list and filter the ids, print how many would be fetched and\n"
"                     how long that takes at --rate; no detail request, nothing written\n"
"                     (an older database still has its schema upgraded)\n"
"\n", DEFAULT_EXPORT_BASE);
    fprintf(out,
"Options (before or after the command):\n"
"  --db PATH          SQLite database file (default %s)\n"
"  --api-base URL     API base URL (default $TMDB_API_BASE, else %s)\n"
"  --language TAG     language of titles and overviews (default %s); a database\n"
"                     holds one language\n"
"  --pages N|all      list pages to fetch (default 1; 'all' = every page, up to %d)\n"
"  --workers N        concurrent detail requests (default %d, at most %d)\n"
"  --queue-size N     work queue capacity (default %d)\n"
"  --rate R           requests per second over all threads (default %g); 0 = no limit\n"
"                     until a 429 (one for a lone request only pauses), then half\n"
"                     the rate the server refused, climbing back with no ceiling\n"
"  --retries N        retries per request after the first attempt (default %d)\n"
"  --give-up-after N  stop the run (exit 7) once N movies in a row failed with no\n"
"                     answer TMDB meant (5xx, 429, timeouts after the retries; a\n"
"                     proxy's page): TMDB or the network is down; the next run\n"
"                     fetches the rest (default %d; 0 = never)\n"
"  --timeout SECONDS  total time per request; stalls are cut earlier (default %d);\n"
"                     the export download is cut below 4 KiB/s for this long\n"
"  --max-body BYTES   largest response accepted, suffix K, M or G allowed (default 8M,\n"
"                     at most 1G)\n",
            DEFAULT_DB, DEFAULT_API_BASE, DEFAULT_LANGUAGE, TMDB_MAX_PAGE, DEFAULT_WORKERS,
            MAX_WORKERS, DEFAULT_QUEUE_SIZE, DEFAULT_RATE, DEFAULT_RETRIES,
            DEFAULT_GIVE_UP_AFTER, DEFAULT_TIMEOUT_S);
    fprintf(out,
"  --cacert FILE      CA certificates to verify the server with (private CA)\n"
"  --token-file FILE  read the v4 API read access token from FILE (a warning when\n"
"                     group or others may read or write it)\n"
"  --batch N          rows per database transaction (default %d; also every second)\n"
"  --db-cache SIZE    SQLite page cache of the database being written (default 2M,\n"
"                     memory stays flat); 100,000 movies and more load with less\n"
"                     CPU at 64M and --batch 5000, for more memory\n"
"  --append PARTS     also fetch these parts of each movie in the same request\n"
"                     (append_to_response), e.g. credits,keywords,release_dates,\n"
"                     external_ids,translations; those five are stored in tables.\n"
"                     Use the parts the database was loaded with at every load\n"
"                     (one that leaves out a part most movies have warns)\n"
"  --refresh          after an interrupted run, fetch again what it already stored\n"
"                     (by default a rerun of the same source resumes where it stopped;\n"
"                     changes never resumes)\n"
"  --no-progress      never draw the progress line\n"
"  -q, --quiet        errors only (and warnings about the run's setup); a run that\n"
"                     does not end ok still writes its warnings and summary line,\n"
"                     and dump its next --since\n"
"  --log-format F     text (default) or json: one JSON object per line on stderr\n"
"                     (time, level, event, fields), the summary included\n"
"  -v, --verbose      more detail (twice: debug: each retry, each thread's CPU time)\n"
"  -h, --help         this text\n"
"      --version      version and library versions\n"
"\n"
"Credentials (never on the command line):\n"
"  TMDB_API_TOKEN     v4 API read access token (sent as Authorization: Bearer)\n"
"  TMDB_API_KEY       v3 API key (sent as api_key=, redacted from every message)\n"
"\n"
"Proxy: https_proxy, all_proxy and no_proxy, as curl reads them (http_proxy\n"
"for an http:// base).\n"
"\n"
"Exit status: 0 all fetched (deleted movies are recorded, not failures);\n"
"1 the run could not go on; 2 usage or configuration error; 3 finished but some\n"
"movies failed, or some input was not a movie id (an ids - token, an export\n"
"line, a result of a list or changes page: named and skipped), or an export's\n"
"deletions were held back (--max-deletions);\n"
"4 search found nothing; 5 the run's end could not be recorded (the database\n"
"stayed locked or full); 6 another tmdb-ingest run holds the database's lock\n"
"(DB.lock), or restore found the database open in another process: nothing\n"
"was done; 7 TMDB or the network did not answer (an outage: --give-up-after,\n"
"an unreachable host, retries spent): the same command later resumes;\n"
"130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP.\n"
"\n"
"A progress line is drawn on stderr only when it is a terminal; a one-line\n"
"summary ends every load (with -q only one that did not end ok; none for\n"
"--dry-run). See tmdb-ingest(1) and README.md.\n",
            DEFAULT_BATCH_ROWS);
}

/* What `tmdb-ingest COMMAND --help` prints: the command's synopsis and the
 * options that apply to it only; the options of every load follow in
 * `tmdb-ingest --help`. */
static const struct command_help {
    const char *name;
    const char *text;
} command_help[] = {
    {"list", "Usage: tmdb-ingest [OPTIONS] list NAME [--pages N|all] [--max-age DURATION]\n"
             "\n"
             "Movies of a TMDB list: now_playing, popular, top_rated, upcoming. One page by\n"
             "default; --pages all follows total_pages up to TMDB's cap of 500. Ids that\n"
             "repeat across pages are fetched once. A result without a usable id is named\n"
             "with its page and position, counted as failed, and skipped (exit 3).\n"
             "--max-age skips movies fetched recently.\n"},
    {"ids", "Usage: tmdb-ingest [OPTIONS] ids ID...\n"
            "       tmdb-ingest [OPTIONS] ids -\n"
            "\n"
            "The given movie ids, or ids read from standard input (whitespace or commas\n"
            "between them; streamed, so any number). A token that is not an id is reported\n"
            "with its line number, counted as failed, and skipped.\n"},
    {"export", "Usage: tmdb-ingest [OPTIONS] export [--date YYYY-MM-DD | --file PATH]\n"
               "       [--export-base URL] [--min-popularity X] [--include-adult]\n"
               "       [--include-video] [--max-deletions N|P%] [--max-age DURATION]\n"
               "       [--shard K/N] [--dry-run]\n"
               "\n"
               "The whole catalogue from TMDB's daily id export (the newest by default:\n"
               "today's from 08:00 UTC, else yesterday's; the day before's while TMDB is\n"
               "late with it). Adult and video entries are left out unless asked for.\n"
               "Stored movies no longer in the export are marked deleted, unless they are\n"
               "more than --max-deletions allows (default 10% of the stored movies, at least\n"
               "100): then none is, and the exit status is 3.\n"
               "An interrupted export resumes with the same command.\n"},
    {"changes", "Usage: tmdb-ingest [OPTIONS] changes [--since YYYY-MM-DD] [--include-adult]\n"
                "       [--shard K/N] [--dry-run]\n"
                "\n"
                "Movies TMDB changed since the database was last brought up to date (by\n"
                "export or changes), through yesterday UTC. A changed movie answering 404 is\n"
                "marked deleted. A movie TMDB's cache served from a copy made (Date)\n"
                "before the end of the days that listed it is stored, noted (stale_copies;\n"
                "exit 0, with a warning) and fetched again by the next changes run; so is\n"
                "a movie it failed to fetch (exit 3), and the days are marked complete all\n"
                "the same. Run right after another that noted none, it fetches nothing.\n"},
    {"stats", "Usage: tmdb-ingest [--db PATH] stats [--format text|json]\n"
              "\n"
              "What the database holds, at a glance: movies stored and deleted, appended\n"
              "parts, movies that failed, how far the changes are complete, how fresh the\n"
              "movies are, and the last runs with their duration and counts. A run whose\n"
              "row says running but whose process is gone (killed, or its end could not\n"
              "be written) reads 'unrecorded'; the next load marks it aborted. Read-only\n"
              "(a database made by an older version has its schema upgraded first).\n"
              "--format json prints the same as one JSON object on one line, for\n"
              "monitoring and scripts (fields in docs/schema.md): a run's status as\n"
              "stored, and \"alive\": true, false, or null when that cannot be told.\n"},
    {"search", "Usage: tmdb-ingest [--db PATH] search QUERY [--limit N]\n"
               "\n"
               "Movies whose title, original title, overview, tagline or keywords hold every\n"
               "word of QUERY, also inside longer words (괴물 finds 괴물이 and 한강괴물), best\n"
               "first (titles first, then bm25), --limit of them (default 10): id, title,\n"
               "year, and a snippet with the matches in [ ]. QUERY is plain text, not a\n"
               "query language, of at most 16 words; one that starts with '-' goes after\n"
               "'--' (search -- -ism). Movies marked deleted are left out. Exit 4 when\n"
               "nothing matches. Read-only (a database made by an older version has its\n"
               "schema upgraded first).\n"},
    {"dump", "Usage: tmdb-ingest [--db PATH] dump [--since RUN_ID|TIME] [--format jsonl|csv]\n"
             "       [--table NAME]\n"
             "\n"
             "Rows of one table written since a run (an id from the runs table) or a time\n"
             "(2026-11-25 or 2026-11-25T03:30:00Z), all rows without --since, as JSON lines\n"
             "(default) or CSV with a header on standard output. A movie counts as written\n"
             "when fetched or marked deleted; its links and credits come with it, and the\n"
             "genres, people, ... it uses. The last line on stderr gives the run id for the\n"
             "next --since (pulling several tables: dump movies first, keep its id). A\n"
             "time counts a run going on then from its start. Tables: movies (default),\n"
             "movie_genres, movie_companies, movie_countries, movie_languages, movie_cast,\n"
             "movie_crew, movie_keywords, release_dates, external_ids, translations,\n"
             "movie_parts, genres, companies, countries, languages, keywords, people,\n"
             "collections, runs, fetch_failures.\n"},
    {"backup", "Usage: tmdb-ingest [--db PATH] backup DEST\n"
               "\n"
               "Copy the database into the file DEST as one snapshot: what it held when the\n"
               "copy began, also while a load writes to it (a running load's later commits\n"
               "are not in it). The copy is made beside DEST, synced, and renamed over it,\n"
               "so DEST is always a whole backup, the last one or this one. It is one file\n"
               "(no DEST-wal or DEST-shm needed), readable by any SQLite 3.37 or later, and\n"
               "restored by renaming it into place of the database while no program has\n"
               "that open (README, \"Backups\"). DEST is not written over when it is a\n"
               "directory, the database itself or a file beside it (DB.lock, DB-wal, ...),\n"
               "a file that is not a SQLite database, or one with a DEST-wal or\n"
               "DEST-journal of its own (exit 2). Read-only on the database.\n"},
    {"optimize", "Usage: tmdb-ingest [--db PATH] optimize\n"
                 "\n"
                 "Compact the search index (FTS5's optimize): SQLite keeps the old text of a\n"
                 "rewritten movie in it until it merges the oldest part of the index, which is\n"
                 "rare, so it grows (about 2x over a year of nightly runs) and some searches\n"
                 "slow. Takes the database's lock, as a load does (exit 6 while a load or a\n"
                 "merge runs); readers go on meanwhile. Says the index's size before and\n"
                 "after. The pages it frees stay in the file for later loads.\n"},
    {"restore", "Usage: tmdb-ingest [--db PATH] restore BACKUP\n"
                "\n"
                "Put BACKUP (made by backup) in place of the database, which may be gone.\n"
                "Under the database's lock (exit 6 while a load or a merge runs), and only\n"
                "when no process it can see has the database open (all, as root): a reader\n"
                "closing after the restore would write its -wal into the restored file\n"
                "(exit 6, naming it). BACKUP is copied beside the database, checked (a\n"
                "tmdb-ingest database, not newer, PRAGMA quick_check), synced; the\n"
                "database's -wal, -shm and -journal are removed and the copy renamed over\n"
                "it. Until then the database is as it was. The first run after it is\n"
                "numbered a million past the backup's runs, so that no run id a downstream\n"
                "job kept from the replaced database names a new run. BACKUP is only read.\n"},
    {"merge", "Usage: tmdb-ingest merge OUT.sqlite3 IN.sqlite3...\n"
              "\n"
              "Merge databases loaded with --shard into OUT (created if missing), each\n"
              "input read-only and in one transaction: per movie the later write (fetch or\n"
              "deletion) wins, with its links; each appended part (credits, keywords, ...)\n"
              "keeps the rows of the later fetch that carried it, in any order of inputs;\n"
              "shared rows (genres, people, ...) take the newer version; runs and failures\n"
              "are copied once.\n"},
};

void cli_print_command_help(FILE *out, const char *command) {
    for (size_t i = 0; command && i < sizeof command_help / sizeof *command_help; i++) {
        if (strcmp(command, command_help[i].name) == 0) {
            fputs(command_help[i].text, out);
            fputs("\nAll options: tmdb-ingest --help\n", out);
            return;
        }
    }
    cli_print_help(out);
}

/* --log-format json is on the command line: usage errors are JSON lines
 * too, since a log collector reads every line of stderr as one. Set by
 * cli_parse() before it parses (main's thread only). */
static bool json_errors;

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json_errors) {
        log_error("%s (try 'tmdb-ingest --help')", msg);
        return;
    }
    /* one line whatever it quotes, as a message is (log.h): the carriage
     * return a CRLF crontab ends its last argument with would hide it */
    char line[sizeof msg + 16];
    snprintf(line, sizeof line, "tmdb-ingest: %s", msg);
    log_summary(line);
    fputs("Try 'tmdb-ingest --help' for more information.\n", stderr);
}

/* Whether the command line asks for --log-format json, looked for before
 * parsing so that errors in the options before it are JSON too. The last
 * one given wins, as in parsing. */
static bool wants_json_log(int argc, char **argv) {
    bool json = false;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        /* --log-format, or an abbreviation getopt_long takes for it ("--lo"
         * is already unique), with =F or F next */
        const char *eq = strchr(argv[i], '=');
        size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
        if (n < 4 || n > strlen("--log-format") || strncmp(argv[i], "--log-format", n) != 0)
            continue;
        const char *format = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(format, "json") == 0)
            json = true;
        else if (strcmp(format, "text") == 0)
            json = false;
    }
    return json;
}

/* A whole number in [min, max] (min >= 0), written in decimal digits only:
 * strtol() alone also takes leading blanks and a sign ("--workers ' +5'"). */
static int parse_long(const char *s, long min, long max, long *out) {
    char *end;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A number from 0 to max, written as people write one: digits with at most
 * one '.', and an exponent (2.5, .5, 1e3). strtod() alone also takes hex
 * ("0x10" is 16), leading blanks, a sign, "infinity" and "nan". */
static int parse_decimal(const char *s, double max, double *out) {
    const char *p = s;
    size_t digits = strspn(p, "0123456789");
    p += digits;
    if (*p == '.') {
        size_t more = strspn(p + 1, "0123456789");
        digits += more;
        p += 1 + more;
    }
    if (digits == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p += (p[1] == '+' || p[1] == '-') ? 2 : 1;
        size_t exp = strspn(p, "0123456789");
        if (exp == 0)
            return -1;
        p += exp;
    }
    if (*p)
        return -1;
    errno = 0;
    double v = strtod(s, NULL);
    if (errno || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !isdigit((unsigned char)*s))
        return -1;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024 * 1024 * 1024, end++;
    /* at most 1 TiB, and what size_t holds (a 32-bit build: 5G would wrap
     * to 1G, 4G to 0) */
    if (*end || v == 0 || v > (1ull << 40) / mult || v > SIZE_MAX / mult)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

/* --max-deletions: a count ("500") or a percentage with up to four
 * decimals ("10%", "0.5%"), kept exact in millionths. */
static int parse_deletion_limit(const char *s, struct deletion_limit *out) {
    size_t n = strlen(s);
    if (n == 0 || s[n - 1] != '%') {
        long v;
        if (!isdigit((unsigned char)*s) || parse_long(s, 0, 1000000000, &v) != 0)
            return -1;
        *out = (struct deletion_limit){.given = true, .value = v};
        return 0;
    }
    int64_t whole = 0, millionths = 0, scale = SYNC_PER_MILLION / 100;
    const char *p = s;
    for (; isdigit((unsigned char)*p) && p - s < 3; p++)
        whole = whole * 10 + (*p - '0');
    if (p == s)
        return -1;
    if (*p == '.') {
        const char *frac = ++p;
        for (; isdigit((unsigned char)*p) && p - frac < 4; p++)
            millionths += (scale /= 10) * (*p - '0');
        if (p == frac)
            return -1;
    }
    int64_t value = whole * (SYNC_PER_MILLION / 100) + millionths;
    if (p != s + n - 1 || value > SYNC_PER_MILLION)
        return -1;
    *out = (struct deletion_limit){.given = true, .percent = true, .value = value};
    return 0;
}

/* The longest language tag taken: RFC 5646 asks for 35 characters at
 * least; the database records the tag in a 64-byte buffer. */
#define MAX_LANGUAGE_LEN 35

/* BCP 47-ish: 2-3 letters, then -subtags of 2-8 alphanumerics. */
static bool valid_language(const char *s) {
    size_t n = 0;
    while (isalpha((unsigned char)s[n]))
        n++;
    if (n < 2 || n > 3)
        return false;
    while (s[n] == '-') {
        size_t k = 0;
        while (isalnum((unsigned char)s[n + 1 + k]))
            k++;
        if (k < 2 || k > 8)
            return false;
        n += 1 + k;
    }
    return s[n] == '\0';
}

/* The longest base URL taken: what a request's URL adds fits in its buffer. */
#define MAX_BASE_LEN 1023

/* Whether base URL `s` (given as `name`) is longer than MAX_BASE_LEN: a
 * usage error of its own, said here, checked before valid_base() so that
 * such a base is not called "not a URL". */
static bool base_too_long(const char *name, const char *s) {
    size_t n = strlen(s);
    if (n <= MAX_BASE_LEN)
        return false;
    usage_error("%s is too long: %zu bytes, at most %d", name, n, MAX_BASE_LEN);
    return true;
}

/* A base of at most MAX_BASE_LEN bytes (base_too_long() asks first). */
static bool valid_base(const char *s) {
    return (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) && !strchr(s, '?') &&
           !strchr(s, '#') && !tmdb_url_password_unencoded(s);
}

/* The hint for a base refused because a gateway's password holds a '?',
 * '#' or '/' not percent-encoded; "" for any other refusal. */
static const char *password_hint(const char *url) {
    return tmdb_url_password_unencoded(url)
               ? " (a password holding '?', '#' or '/' percent-encoded: %3F, %23, %2F)"
               : "";
}

/* A base URL as a usage error shows it: the password of a gateway's
 * user:password@ (or an api_key=) as ***, as in every other message. */
static const char *shown_base(const char *url, char *buf, size_t size) {
    tmdb_redact_url(url, buf, size);
    return buf;
}

/* The units of a duration, largest first: parse_duration() reads them,
 * cli_format_duration() writes them. */
static const struct {
    char unit;
    long long seconds;
} duration_units[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
#define N_DURATION_UNITS (sizeof duration_units / sizeof *duration_units)

/* A duration: a whole number with a unit s, m, h, d or w; "0" alone is
 * allowed (off). */
static int parse_duration(const char *s, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || !isdigit((unsigned char)*s))
        return -1;
    long long unit = *end == '\0' && v == 0 ? 1 : 0; /* seconds; 0: none */
    for (size_t i = 0; i < N_DURATION_UNITS && *end; i++)
        if (*end == duration_units[i].unit)
            unit = duration_units[i].seconds;
    if (unit == 0)
        return -1;
    if ((*end && end[1]) || v > 100LL * 365 * 86400 / unit)
        return -1;
    *out = v * unit;
    return 0;
}

int cli_exit_of_signal(int sig) {
    switch (sig) {
    case SIGTERM:
        return EXIT_SIGTERM;
    case SIGHUP:
        return EXIT_SIGHUP;
    default:
        return EXIT_SIGINT;
    }
}

void cli_format_duration(long long seconds, char *buf, size_t size) {
    size_t i = 0;
    while (seconds > 0 && seconds % duration_units[i].seconds != 0)
        i++; /* ends at 's' at the latest */
    if (seconds == 0)
        snprintf(buf, size, "0");
    else
        snprintf(buf, size, "%lld%c", seconds / duration_units[i].seconds, duration_units[i].unit);
}

void cli_format_eta(long long requests, double rate, char *buf, size_t size) {
    if (rate <= 0) {
        snprintf(buf, size, "no --rate limit");
        return;
    }
    long long m = llround((double)requests / rate / 60); /* whole minutes */
    snprintf(buf, size, "about %lldh%02lldm at %g requests/s", m / 60, m % 60, rate);
}

/* K/N with 0 <= K < N <= 1024. */
static int parse_shard(const char *s, unsigned *k, unsigned *n) {
    char *slash = strchr(s, '/');
    if (!slash)
        return -1;
    char left[16];
    size_t len = (size_t)(slash - s);
    if (len == 0 || len >= sizeof left)
        return -1;
    memcpy(left, s, len);
    left[len] = '\0';
    long kv, nv;
    if (parse_long(left, 0, 1023, &kv) != 0 || parse_long(slash + 1, 1, 1024, &nv) != 0 ||
        kv >= nv)
        return -1;
    *k = (unsigned)kv;
    *n = (unsigned)nv;
    return 0;
}

static void set_defaults(struct options *opt) {
    memset(opt, 0, sizeof *opt);
    opt->db_path = DEFAULT_DB;
    const char *env_base = getenv("TMDB_API_BASE");
    opt->api_base = env_base && *env_base ? env_base : DEFAULT_API_BASE;
    opt->language = DEFAULT_LANGUAGE;
    opt->workers = DEFAULT_WORKERS;
    opt->queue_size = DEFAULT_QUEUE_SIZE;
    opt->rate = DEFAULT_RATE;
    opt->retries = DEFAULT_RETRIES;
    opt->give_up_after = DEFAULT_GIVE_UP_AFTER;
    opt->timeout_s = DEFAULT_TIMEOUT_S;
    opt->max_body = DEFAULT_MAX_BODY;
    opt->batch_rows = DEFAULT_BATCH_ROWS;
    opt->db_cache = DEFAULT_DB_CACHE;
    opt->progress = true;
    opt->source.pages = 1;
    opt->source.fd = -1;
    opt->export_base = DEFAULT_EXPORT_BASE;
    opt->dump_table = "movies";
    opt->export_day = -1;
    opt->limit = 10;
}

/* One option. Returns 0, 1 for --help/--version done, -1 on error. */
static int apply_option(int c, const char *arg, struct options *opt) {
    long v;
    switch (c) {
    case OPT_DB:
        /* SQLite would open a private temporary database for "" */
        if (!arg[0])
            return usage_error("%s", "--db: an empty path (is the variable it came from set?)"), -1;
        opt->db_path = arg;
        return 0;
    case OPT_API_BASE:
        opt->api_base = arg;
        return 0;
    case OPT_LANGUAGE:
        opt->language = arg;
        return 0;
    case OPT_CACERT:
        opt->cacert = arg;
        return 0;
    case OPT_TOKEN_FILE:
        opt->token_file = arg;
        return 0;
    case OPT_WORKERS:
        if (parse_long(arg, 1, MAX_WORKERS, &v) != 0)
            return usage_error("--workers wants a number from 1 to 256, not '%s'", arg), -1;
        opt->workers = (int)v;
        return 0;
    case OPT_QUEUE_SIZE:
        if (parse_long(arg, 1, 1000000, &v) != 0)
            return usage_error("--queue-size wants a number from 1 to 1000000, not '%s'", arg),
                   -1;
        opt->queue_size = (size_t)v;
        return 0;
    case OPT_RETRIES:
        if (parse_long(arg, 0, 100, &v) != 0)
            return usage_error("--retries wants a number from 0 to 100, not '%s'", arg), -1;
        opt->retries = (int)v;
        return 0;
    case OPT_GIVE_UP_AFTER:
        if (parse_long(arg, 0, 1000000, &v) != 0)
            return usage_error("--give-up-after wants a number of movies from 0 to 1000000, "
                               "not '%s'",
                               arg),
                   -1;
        opt->give_up_after = (int)v;
        return 0;
    case OPT_TIMEOUT:
        if (parse_long(arg, 1, 3600, &v) != 0)
            return usage_error("--timeout wants seconds from 1 to 3600, not '%s'", arg), -1;
        opt->timeout_s = v;
        return 0;
    case OPT_BATCH:
        if (parse_long(arg, 1, 1000000, &v) != 0)
            return usage_error("--batch wants a number from 1 to 1000000, not '%s'", arg), -1;
        opt->batch_rows = (int)v;
        return 0;
    case OPT_PAGES:
        if (strcmp(arg, "all") == 0) {
            opt->source.pages = 0;
            return 0;
        }
        if (parse_long(arg, 1, TMDB_MAX_PAGE, &v) != 0)
            return usage_error("--pages wants a number from 1 to 500 or 'all', not '%s'", arg),
                   -1;
        opt->source.pages = (int)v;
        return 0;
    case OPT_RATE: {
        double r;
        /* below one request a day is a typo, and beyond what the limiter's
         * clock (seconds since long ago) counts */
        if (parse_decimal(arg, 100000, &r) != 0 || (r > 0 && r < 1.0 / 86400))
            return usage_error("--rate wants requests per second (0 = unlimited, else from "
                               "0.0000116, one a day, to 100000), not '%s'",
                               arg),
                   -1;
        opt->rate = r;
        return 0;
    }
    case OPT_MAX_BODY:
        if (parse_size(arg, &opt->max_body) != 0 || opt->max_body > MAX_MAX_BODY)
            return usage_error("--max-body wants a size up to 1G, like 8M or 65536, not '%s'",
                               arg),
                   -1;
        return 0;
    case OPT_DB_CACHE:
        if (parse_size(arg, &opt->db_cache) != 0 || opt->db_cache < MIN_DB_CACHE)
            return usage_error("--db-cache wants a size of at least 64K, like 64M or 1G, not '%s'",
                               arg),
                   -1;
        return 0;
    case OPT_APPEND: {
        char reason[400];
        if (tmdb_append_normalise(arg, opt->append, sizeof opt->append, reason, sizeof reason) != 0)
            return usage_error("--append: %s", reason), -1;
        return 0;
    }
    case OPT_LOG_FORMAT:
        if (strcmp(arg, "text") == 0)
            opt->log_format = LOG_FORMAT_TEXT;
        else if (strcmp(arg, "json") == 0)
            opt->log_format = LOG_FORMAT_JSON;
        else
            return usage_error("--log-format wants text or json, not '%s'", arg), -1;
        return 0;
    case OPT_DRY_RUN:
        opt->dry_run = true;
        return 0;
    case OPT_MAX_AGE:
        if (parse_duration(arg, &opt->max_age_s) != 0)
            return usage_error("--max-age wants a duration like 90m, 36h, 2d, 1w (or 30s) or 0 "
                               "(off), not '%s'",
                               arg),
                   -1;
        return 0;
    case OPT_SHARD:
        if (parse_shard(arg, &opt->source.shard_index, &opt->source.shard_count) != 0)
            return usage_error("--shard wants K/N with 0 <= K < N <= 1024 (e.g. 0/4), not '%s'",
                               arg),
                   -1;
        return 0;
    case OPT_DATE: {
        long day;
        if (clock_parse_date(arg, &day) != 0)
            return usage_error("--date wants a date like 2026-11-25, not '%s'", arg), -1;
        opt->export_date = arg;
        return 0;
    }
    case OPT_FILE:
        opt->source.export_path = arg;
        return 0;
    case OPT_EXPORT_BASE:
        opt->export_base = arg;
        return 0;
    case OPT_MIN_POPULARITY: {
        double x;
        if (parse_decimal(arg, 1e9, &x) != 0)
            return usage_error("--min-popularity wants a number >= 0, not '%s'", arg), -1;
        opt->source.has_min_popularity = true;
        opt->source.min_popularity = x;
        return 0;
    }
    case OPT_MAX_DELETIONS:
        if (parse_deletion_limit(arg, &opt->max_deletions) != 0)
            return usage_error("--max-deletions wants a count (500) or a percentage from 0%% to "
                               "100%% (10%%), not '%s'",
                               arg),
                   -1;
        return 0;
    case OPT_INCLUDE_ADULT:
        opt->source.include_adult = true;
        return 0;
    case OPT_INCLUDE_VIDEO:
        opt->source.include_video = true;
        return 0;
    case OPT_SINCE: /* a date for changes, a run or a time for dump: checked later */
        opt->since = arg;
        return 0;
    case OPT_FORMAT: /* which of these the command takes: check_format() */
        if (strcmp(arg, "jsonl") != 0 && strcmp(arg, "csv") != 0 && strcmp(arg, "text") != 0 &&
            strcmp(arg, "json") != 0)
            return usage_error("--format wants jsonl or csv (dump), text or json (stats), not "
                               "'%s'",
                               arg),
                   -1;
        opt->format = arg;
        return 0;
    case OPT_LIMIT:
        if (parse_long(arg, 1, 100000, &v) != 0)
            return usage_error("--limit wants a number from 1 to 100000, not '%s'", arg), -1;
        opt->limit = (int)v;
        return 0;
    case OPT_TABLE:
        if (!store_dump_table_known(arg))
            return usage_error("--table: no table '%s' to dump (%s)", arg, store_dump_tables),
                   -1;
        opt->dump_table = arg;
        return 0;
    case OPT_NO_PROGRESS:
        opt->progress = false;
        return 0;
    case OPT_REFRESH:
        opt->refresh = true;
        return 0;
    case 'q':
        opt->verbosity = -1;
        return 0;
    case 'v':
        opt->verbosity = opt->verbosity < 0 ? 1 : opt->verbosity + 1;
        return 0;
    case 'h':
        return 0; /* printed once the command is known */
    case OPT_VERSION:
        opt->printed = "--version";
        printf("tmdb-ingest %s\nlibcurl %s, SQLite %s, cJSON %s, zlib %s\n", TMDB_INGEST_VERSION,
               http_library_version(), store_library_version(), json_library_version(),
               export_zlib_version());
        return 1;
    default:
        return usage_error("%s", "unknown option"), -1;
    }
}

static int parse_command(int n, char **args, struct options *opt) {
    if (n == 0)
        return usage_error("%s", "no command given (list, ids, export, changes, merge, stats, dump, search, backup, optimize or restore)"), -1;
    if (strcmp(args[0], "export") == 0 || strcmp(args[0], "changes") == 0) {
        if (n != 1)
            return usage_error("%s takes no arguments, only options (see --help)", args[0]), -1;
        opt->source.kind = args[0][0] == 'e' ? SOURCE_EXPORT : SOURCE_CHANGES;
        return 0;
    }
    if (strcmp(args[0], "search") == 0) {
        if (n != 2)
            return usage_error("%s", "search wants one QUERY (quote it: search \"괴물 한강\")"),
                   -1;
        opt->command = COMMAND_SEARCH;
        opt->search_query = args[1];
        return 0;
    }
    if (strcmp(args[0], "restore") == 0) {
        if (n != 2 || !args[1][0])
            return usage_error("%s", "restore wants one BACKUP, the file to put in place of the "
                                     "database"),
                   -1;
        opt->command = COMMAND_RESTORE;
        opt->restore_from = args[1];
        return 0;
    }
    if (strcmp(args[0], "optimize") == 0) {
        if (n != 1)
            return usage_error("%s", "optimize takes no arguments (the database is --db)"), -1;
        opt->command = COMMAND_OPTIMIZE;
        return 0;
    }
    if (strcmp(args[0], "stats") == 0 || strcmp(args[0], "dump") == 0) {
        if (n != 1)
            return usage_error("%s takes no arguments, only options (the database is --db)",
                               args[0]),
                   -1;
        opt->command = args[0][0] == 's' ? COMMAND_STATS : COMMAND_DUMP;
        return 0;
    }
    if (strcmp(args[0], "backup") == 0) {
        if (n != 2 || !args[1][0])
            return usage_error("%s", "backup wants one DEST, the file to write the copy in"), -1;
        opt->command = COMMAND_BACKUP;
        opt->backup_dest = args[1];
        return 0;
    }
    if (strcmp(args[0], "merge") == 0) {
        if (n < 3)
            return usage_error("%s", "merge wants OUT.sqlite3 and at least one IN.sqlite3"), -1;
        for (int i = 1; i < n; i++)
            if (!args[i][0])
                return usage_error("%s", "merge: an empty file name (is the variable it came "
                                         "from set?)"),
                       -1;
        opt->command = COMMAND_MERGE;
        opt->merge_out = args[1];
        opt->merge_inputs = args + 2;
        opt->n_merge_inputs = n - 2;
        return 0;
    }
    if (strcmp(args[0], "list") == 0) {
        if (n != 2)
            return usage_error("%s", "list wants one NAME: now_playing, popular, top_rated, "
                                     "upcoming"),
                   -1;
        if (!tmdb_list_from_name(args[1], &opt->source.list))
            return usage_error("unknown list '%s' (now_playing, popular, top_rated, upcoming)",
                               args[1]),
                   -1;
        opt->source.kind = SOURCE_LIST;
        return 0;
    }
    if (strcmp(args[0], "ids") != 0)
        return usage_error("unknown command '%s' (list, ids, export, changes, merge, stats, dump, search, backup, optimize or restore)", args[0]),
               -1;
    if (n == 1)
        return usage_error("%s", "ids wants movie ids, or '-' to read them from stdin"), -1;
    if (n == 2 && strcmp(args[1], "-") == 0) {
        opt->source.kind = SOURCE_STDIN;
        opt->source.fd = STDIN_FILENO;
        return 0;
    }
    opt->ids = calloc((size_t)n - 1, sizeof *opt->ids);
    if (!opt->ids)
        return usage_error("%s", "out of memory"), -1;
    for (int i = 1; i < n; i++)
        if (source_parse_id(args[i], strlen(args[i]), &opt->ids[i - 1]) != 0)
            return usage_error("'%s' is not a movie id (a positive whole number)", args[i]), -1;
    opt->source.kind = SOURCE_IDS;
    opt->source.ids = opt->ids;
    opt->source.n_ids = (size_t)n - 1;
    return 0;
}

/* Options that apply to some commands only. */
struct given {
    bool limit, db, format, table, help, pages, date, file, export_base, min_popularity, include_adult, include_video, since,
        max_age, loads, db_cache, max_deletions, api_base;
};

static void note_given(struct given *g, int c) {
    g->help |= c == 'h';
    g->format |= c == OPT_FORMAT;
    g->db |= c == OPT_DB;
    g->table |= c == OPT_TABLE;
    g->limit |= c == OPT_LIMIT;
    g->pages |= c == OPT_PAGES;
    g->date |= c == OPT_DATE;
    g->file |= c == OPT_FILE;
    g->export_base |= c == OPT_EXPORT_BASE;
    g->min_popularity |= c == OPT_MIN_POPULARITY;
    g->max_deletions |= c == OPT_MAX_DELETIONS;
    g->include_adult |= c == OPT_INCLUDE_ADULT;
    g->include_video |= c == OPT_INCLUDE_VIDEO;
    g->since |= c == OPT_SINCE;
    g->max_age |= c == OPT_MAX_AGE;
    g->db_cache |= c == OPT_DB_CACHE;
    g->api_base |= c == OPT_API_BASE;
    g->loads |= c == OPT_APPEND || c == OPT_DRY_RUN || c == OPT_SHARD || c == OPT_REFRESH ||
                c == OPT_WORKERS || c == OPT_PAGES || c == OPT_RATE || c == OPT_RETRIES ||
                c == OPT_GIVE_UP_AFTER || c == OPT_TIMEOUT || c == OPT_MAX_BODY ||
                c == OPT_QUEUE_SIZE || c == OPT_BATCH || c == OPT_CACERT || c == OPT_TOKEN_FILE ||
                c == OPT_API_BASE || c == OPT_LANGUAGE;
}

/* --format: jsonl or csv for dump, text or json for stats. */
static int check_format(struct options *opt) {
    const char *f = opt->format;
    if (!f)
        return 0;
    if (opt->command == COMMAND_DUMP) {
        if (strcmp(f, "jsonl") == 0)
            opt->dump_format = DUMP_JSONL;
        else if (strcmp(f, "csv") == 0)
            opt->dump_format = DUMP_CSV;
        else
            return usage_error("dump --format wants jsonl or csv, not '%s'", f), -1;
        return 0;
    }
    if (strcmp(f, "text") != 0 && strcmp(f, "json") != 0)
        return usage_error("stats --format wants text or json, not '%s'", f), -1;
    opt->stats_json = strcmp(f, "json") == 0;
    return 0;
}

/* The options every command takes, named where one is refused. */
#define EVERY_COMMAND "-q, -v, --log-format, --no-progress"

static int check_applicable(const struct options *opt, const struct given *g) {
    enum source_kind k = opt->source.kind;
    if (opt->command == COMMAND_MERGE &&
        (g->loads || g->max_age || g->date || g->file || g->since || g->min_popularity ||
         g->include_adult || g->include_video || g->export_base || g->max_deletions ||
         (g->db && strcmp(opt->db_path, opt->merge_out) != 0)))
        return usage_error("%s", "merge takes only OUT.sqlite3 IN.sqlite3... (and --db-cache, " EVERY_COMMAND "); "
                                 "the output is OUT (a --db must name the same file)"),
               -1;
    if (g->table && opt->command != COMMAND_DUMP)
        return usage_error("%s", "--table applies to the dump command only"), -1;
    if (g->format && opt->command != COMMAND_DUMP && opt->command != COMMAND_STATS)
        return usage_error("%s", "--format applies to the dump and stats commands only"), -1;
    if (g->db_cache && opt->command != COMMAND_LOAD && opt->command != COMMAND_MERGE)
        return usage_error("%s", "--db-cache applies to the commands that write rows: list, ids, "
                                 "export, changes and merge"),
               -1;
    if (g->limit && opt->command != COMMAND_SEARCH)
        return usage_error("%s", "--limit applies to the search command only"), -1;
    bool export_only =
        g->include_adult || g->include_video || g->export_base || g->max_deletions;
    /* The commands that take none of the loads' options, and what they take
     * instead; dump also takes --since (a run or a time). */
    static const struct {
        enum command command;
        bool since;
        const char *takes;
    } only[] = {
        {COMMAND_SEARCH, false, "search takes --limit and --db only"},
        {COMMAND_DUMP, true, "dump takes --since, --format, --table and --db only"},
        {COMMAND_STATS, false, "stats takes only --db and --format"},
        {COMMAND_RESTORE, false, "restore takes only BACKUP and --db"},
        {COMMAND_OPTIMIZE, false, "optimize takes only --db"},
        {COMMAND_BACKUP, false, "backup takes only DEST and --db"},
    };
    bool of_loads =
        g->loads || g->max_age || g->date || g->file || g->min_popularity || export_only;
    for (size_t i = 0; i < sizeof only / sizeof *only; i++)
        if (opt->command == only[i].command && (of_loads || (g->since && !only[i].since)))
            return usage_error("%s (and " EVERY_COMMAND ")", only[i].takes), -1;
    if (opt->command != COMMAND_LOAD)
        return 0;
    long day;
    if (g->since && clock_parse_date(opt->since, &day) != 0)
        return usage_error("--since wants a date like 2026-11-20, not '%s'", opt->since), -1;
    if (g->pages && k != SOURCE_LIST)
        return usage_error("%s", "--pages applies to the list command only"), -1;
    if ((g->date || g->file || g->export_base || g->min_popularity || g->include_video ||
         g->max_deletions) &&
        k != SOURCE_EXPORT)
        return usage_error("%s", "--date, --file, --export-base, --min-popularity, "
                                 "--include-video and --max-deletions apply to the export "
                                 "command only"),
               -1;
    if (g->include_adult && k != SOURCE_EXPORT && k != SOURCE_CHANGES)
        return usage_error("%s", "--include-adult applies to export and changes only"), -1;
    if (g->date && g->file)
        return usage_error("%s", "give --date or --file, not both"), -1;
    if (g->since && k != SOURCE_CHANGES)
        return usage_error("%s", "--since applies to the changes command only"), -1;
    if (g->max_age && k != SOURCE_EXPORT && k != SOURCE_LIST)
        return usage_error("%s", "--max-age applies to export and list (changes always "
                                 "fetches what changed; ids fetches what it is given)"),
               -1;
    char shown[1024];
    if (g->export_base && base_too_long("--export-base", opt->export_base))
        return -1;
    if (g->export_base && !valid_base(opt->export_base))
        return usage_error("--export-base must be an http:// or https:// URL%s, not '%s'",
                           password_hint(opt->export_base),
                           shown_base(opt->export_base, shown, sizeof shown)),
               -1;
    return 0;
}

/* Whether getopt_long()'s '?' was for a long option given a value it does
 * not take ("--dry-run=1", "--quiet=1"): optopt is then that option's val
 * (a short option refused is a letter, and never h, q or v), and optind
 * past it, as past any long option. */
static bool long_option_given_value(void) {
    return optopt >= OPT_DB || (optopt != 0 && strchr("hqv", optopt));
}

/* The argument getopt_long() refused (c: '?' or ':'). A letter inside a
 * cluster ("-abc", or a search word such as "-ism") leaves optind on its
 * argument until the last letter; otherwise it has moved past it. */
static const char *refused_argument(int c, int argc, char **argv) {
    const char *prev = argv[optind - 1];
    if (c == '?' && optopt != 0 && !long_option_given_value() && optind < argc &&
        !(prev[0] == '-' && strchr(prev + 1, optopt)))
        return argv[optind];
    return prev;
}

/* The long options `arg` ("--max", "--max=5") abbreviates, into `names`
 * (", " between them), when it is ambiguous: more than one, none exactly.
 * Returns how many it abbreviates. */
static int abbreviated_options(const char *arg, char *names, size_t size) {
    const char *name = arg + 2;
    size_t n = strcspn(name, "="), used = 0;
    int found = 0;
    names[0] = '\0';
    for (const struct option *o = long_options; n > 0 && o->name; o++) {
        if (strncmp(o->name, name, n) != 0)
            continue;
        if (strlen(o->name) == n)
            return 1; /* exact: getopt_long() takes it */
        if (used < size)
            used += (size_t)snprintf(names + used, size - used, "%s--%s", found ? ", " : "",
                                     o->name);
        found++;
    }
    return found;
}

/* Whether `arg` is among the arguments: the command, before it is parsed. */
static bool has_argument(int argc, char **argv, const char *arg) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], arg) == 0)
            return true;
    return false;
}

static enum cli_result parse_args(int argc, char **argv, struct options *opt);

enum cli_result cli_parse(int argc, char **argv, struct options *opt) {
    set_defaults(opt);
    opt->args = malloc(((size_t)argc + 1) * sizeof *opt->args);
    if (!opt->args) {
        log_error("out of memory");
        return CLI_USAGE;
    }
    memcpy(opt->args, argv, ((size_t)argc + 1) * sizeof *opt->args);
    return parse_args(argc, opt->args, opt);
}

/* cli_parse() on `argv`, a copy getopt_long() may reorder. */
static enum cli_result parse_args(int argc, char **argv, struct options *opt) {
    json_errors = wants_json_log(argc, argv);
    if (json_errors)
        log_init(LOG_ERROR, false, LOG_FORMAT_JSON); /* main sets the level after */
    struct given given = {0};
    opterr = 0;
    optind = 0; /* 0, not 1: also forgets a cluster ("-abc") a refused parse left half read */
    int c;
    while ((c = getopt_long(argc, argv, ":hqv", long_options, NULL)) != -1) {
        if (c == ':') {
            usage_error("option '%s' wants a value", refused_argument(c, argc, argv));
            return CLI_USAGE;
        }
        /* The value given to an option that takes none, or is unknown, is
         * not repeated: it may be a credential (`--api-key=...`), and
         * stderr goes on to cron's mail and the journal. */
        if (c == '?' && long_option_given_value()) {
            const char *bad = refused_argument(c, argc, argv);
            usage_error("option '%.*s' takes no value", (int)strcspn(bad, "="), bad);
            return CLI_USAGE;
        }
        char names[256];
        /* optopt 0: a long option not known, or ambiguous */
        if (c == '?' && optopt == 0 && strncmp(argv[optind - 1], "--", 2) == 0 &&
            abbreviated_options(argv[optind - 1], names, sizeof names) > 1) {
            usage_error("option '%.*s' is ambiguous: %s", (int)strcspn(argv[optind - 1], "="),
                        argv[optind - 1], names);
            return CLI_USAGE;
        }
        if (c == '?') {
            const char *bad = refused_argument(c, argc, argv);
            /* a search QUERY may well start with '-' */
            bool query = strncmp(bad, "--", 2) != 0 && has_argument(argc, argv, "search");
            int shown = strncmp(bad, "--", 2) == 0 ? (int)strcspn(bad, "=") : (int)strlen(bad);
            usage_error("unknown option '%.*s'%s%s%s", shown, bad,
                        query ? " (a search QUERY that starts with '-' goes after '--': "
                                "search -- '"
                              : "",
                        query ? bad : "", query ? "')" : "");
            return CLI_USAGE;
        }
        note_given(&given, c);
        int r = apply_option(c, optarg, opt);
        if (r != 0)
            return r > 0 ? CLI_DONE : CLI_USAGE;
    }
    if (given.help) {
        opt->printed = "--help";
        cli_print_command_help(stdout, optind < argc ? argv[optind] : NULL);
        return CLI_DONE;
    }
    if (parse_command(argc - optind, argv + optind, opt) != 0)
        return CLI_USAGE;
    if (check_applicable(opt, &given) != 0 || check_format(opt) != 0)
        return CLI_USAGE;
    if (strlen(opt->language) > MAX_LANGUAGE_LEN)
        return usage_error("--language is too long: %zu characters, at most %d",
                           strlen(opt->language), MAX_LANGUAGE_LEN),
               CLI_USAGE;
    if (!valid_language(opt->language))
        return usage_error("'%s' is not a language tag like ko-KR or en-US", opt->language),
               CLI_USAGE;
    char shown[1024];
    /* Only a load talks to the API: a bad $TMDB_API_BASE in a cron job's
     * environment does not stop its stats, dump or merge. Named as where
     * it came from: one who gave no --api-base looks for the variable. */
    const char *base_name =
        given.api_base ? "--api-base" : "TMDB_API_BASE (the default --api-base)";
    if (opt->command == COMMAND_LOAD && base_too_long(base_name, opt->api_base))
        return CLI_USAGE;
    if (opt->command == COMMAND_LOAD && !valid_base(opt->api_base))
        return usage_error("%s must be an http:// or https:// URL without a query%s, not '%s'",
                           base_name, password_hint(opt->api_base),
                           shown_base(opt->api_base, shown, sizeof shown)),
               CLI_USAGE;
    return CLI_RUN;
}

void cli_free(struct options *opt) {
    free(opt->ids);
    opt->ids = NULL;
    free(opt->args);
    opt->args = NULL;
}
