/* log: one line per event on stderr, for s6-log and journald. */
#ifndef ASIMAP_LOG_H
#define ASIMAP_LOG_H

/* Exit codes shared by every program (DESIGN.md). */
enum { EXIT_NO = 1, EXIT_USAGE = 100, EXIT_TEMP = 111 };

/* Set the program name used as the prefix of every line. */
void log_init(const char *prog);
/* Print "prog: info: ..." on stderr.  Never fails visibly. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: warning: ..." on stderr. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: debug: ..." when debugging is on (DEBUG or ASIMAP_DEBUG set). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: fatal: ..." and exit with code. */
void log_fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
extern int log_debug_on;

#endif
