/* cli.c - see cli.h. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmdb.h"

enum {
    OPT_DB = 1000,
    OPT_API_BASE,
    OPT_LANGUAGE,
    OPT_WORKERS,
    OPT_QUEUE_SIZE,
    OPT_RATE,
    OPT_RETRIES,
    OPT_TIMEOUT,
    OPT_MAX_BODY,
    OPT_CACERT,
    OPT_TOKEN_FILE,
    OPT_PAGES,
    OPT_BATCH,
    OPT_NO_PROGRESS,
    OPT_REFRESH,
    OPT_VERSION,
    OPT_APPEND,
};

static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"api-base", required_argument, NULL, OPT_API_BASE},
    {"language", required_argument, NULL, OPT_LANGUAGE},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"queue-size", required_argument, NULL, OPT_QUEUE_SIZE},
    {"rate", required_argument, NULL, OPT_RATE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-body", required_argument, NULL, OPT_MAX_BODY},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"pages", required_argument, NULL, OPT_PAGES},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"refresh", no_argument, NULL, OPT_REFRESH},
    {"append", required_argument, NULL, OPT_APPEND},
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
"\n"
"Load movie details from The Movie Database (TMDB) into SQLite.\n"
"\n"
"Commands:\n"
"  list NAME        movies of a TMDB list: now_playing, popular, top_rated, upcoming\n"
"  ids ID...        the given movie ids; '-' reads ids (whitespace separated) from stdin\n"
"\n"
"Options (before or after the command):\n"
"  --db PATH          SQLite database file (default %s)\n"
"  --api-base URL     API base URL (default $TMDB_API_BASE, else %s)\n"
"  --language TAG     language of titles and overviews (default %s); a database\n"
"                     holds one language\n"
"  --pages N|all      list pages to fetch (default 1; 'all' = every page, up to %d)\n"
"  --workers N        concurrent detail requests (default %d, at most %d)\n"
"  --queue-size N     work queue capacity (default %d)\n"
"  --rate R           requests per second over all threads, 0 = unlimited (default %g)\n"
"  --retries N        retries per request after the first attempt (default %d)\n"
"  --timeout SECONDS  total time per request; stalls are cut earlier (default %d)\n"
"  --max-body BYTES   largest response accepted, suffix K or M allowed (default 8M)\n"
"  --cacert FILE      CA certificates to verify the server with (private CA)\n"
"  --token-file FILE  read the v4 API read access token from FILE\n"
"  --batch N          rows per database transaction (default %d; also every second)\n"
"  --append PARTS     also fetch these parts of each movie in the same request\n"
"                     (append_to_response), e.g. credits,keywords,release_dates,\n"
"                     external_ids,translations; those five are stored in tables\n"
"  --refresh          after an interrupted run, fetch again what it already stored\n"
"                     (by default a rerun of the same source resumes where it stopped)\n"
"  --no-progress      never draw the progress line\n"
"  -q, --quiet        no summary line; errors only\n"
"  -v, --verbose      more detail (twice: debug, including each retry)\n"
"  -h, --help         this text\n"
"      --version      version and library versions\n"
"\n"
"Credentials (never on the command line):\n"
"  TMDB_API_TOKEN     v4 API read access token (sent as Authorization: Bearer)\n"
"  TMDB_API_KEY       v3 API key (sent as api_key=, redacted from every message)\n"
"\n"
"Exit status: 0 all fetched (deleted movies are recorded, not failures);\n"
"1 the run could not go on; 2 usage or configuration error; 3 finished but some\n"
"movies failed; 130/143 interrupted by SIGINT/SIGTERM.\n"
"\n"
"A progress line is drawn on stderr only when it is a terminal; a one-line\n"
"summary ends every run. See tmdb-ingest(1) and README.md.\n",
            DEFAULT_DB, DEFAULT_API_BASE, DEFAULT_LANGUAGE, TMDB_MAX_PAGE, DEFAULT_WORKERS,
            MAX_WORKERS, DEFAULT_QUEUE_SIZE, DEFAULT_RATE, DEFAULT_RETRIES, DEFAULT_TIMEOUT_S,
            DEFAULT_BATCH_ROWS);
}

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tmdb-ingest: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'tmdb-ingest --help' for more information.\n");
}

/* A whole number in [min, max]. */
static int parse_long(const char *s, long min, long max, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    if (*end || v == 0 || v > (1ull << 40) / mult)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

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

static bool valid_base(const char *s) {
    return (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) &&
           !strchr(s, '?') && !strchr(s, '#') && strlen(s) < 1024;
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
    opt->timeout_s = DEFAULT_TIMEOUT_S;
    opt->max_body = DEFAULT_MAX_BODY;
    opt->batch_rows = DEFAULT_BATCH_ROWS;
    opt->progress = true;
    opt->source.pages = 1;
    opt->source.fd = -1;
}

/* One option. Returns 0, 1 for --help/--version done, -1 on error. */
static int apply_option(int c, const char *arg, struct options *opt) {
    long v;
    switch (c) {
    case OPT_DB:
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
        char *end;
        errno = 0;
        double r = strtod(arg, &end);
        if (errno || end == arg || *end || !(r >= 0) || r > 100000)
            return usage_error("--rate wants requests per second (0 = unlimited), not '%s'", arg),
                   -1;
        opt->rate = r;
        return 0;
    }
    case OPT_MAX_BODY:
        if (parse_size(arg, &opt->max_body) != 0)
            return usage_error("--max-body wants a size like 8M or 65536, not '%s'", arg), -1;
        return 0;
    case OPT_APPEND: {
        char reason[400];
        if (tmdb_append_normalise(arg, opt->append, sizeof opt->append, reason, sizeof reason) != 0)
            return usage_error("--append: %s", reason), -1;
        return 0;
    }
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
        cli_print_help(stdout);
        return 1;
    case OPT_VERSION:
        printf("tmdb-ingest %s\n", TMDB_INGEST_VERSION);
        return 1;
    default:
        return usage_error("%s", "unknown option"), -1;
    }
}

static int parse_command(int n, char **args, struct options *opt) {
    if (n == 0)
        return usage_error("%s", "no command given (list or ids)"), -1;
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
        return usage_error("unknown command '%s' (list or ids)", args[0]), -1;
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

enum cli_result cli_parse(int argc, char **argv, struct options *opt) {
    set_defaults(opt);
    bool pages_given = false;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":hqv", long_options, NULL)) != -1) {
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            usage_error(c == ':' ? "option '%s' wants a value" : "unknown option '%s'", bad);
            return CLI_USAGE;
        }
        pages_given |= c == OPT_PAGES;
        int r = apply_option(c, optarg, opt);
        if (r != 0)
            return r > 0 ? CLI_DONE : CLI_USAGE;
    }
    if (parse_command(argc - optind, argv + optind, opt) != 0)
        return CLI_USAGE;
    if (pages_given && opt->source.kind != SOURCE_LIST)
        return usage_error("%s", "--pages applies to the list command only"), CLI_USAGE;
    if (!valid_language(opt->language))
        return usage_error("'%s' is not a language tag like ko-KR or en-US", opt->language),
               CLI_USAGE;
    if (!valid_base(opt->api_base))
        return usage_error("--api-base must be an http:// or https:// URL without a query, not "
                           "'%s'",
                           opt->api_base),
               CLI_USAGE;
    return CLI_RUN;
}

void cli_free(struct options *opt) {
    free(opt->ids);
    opt->ids = NULL;
}
