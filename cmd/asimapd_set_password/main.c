/* asimapd_set_password: add an account to the password file, set its
 * password, or disable it, atomically (see pwfile_edit.h). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hash_make.h"
#include "log.h"
#include "pwfile_edit.h"
#include "setpw.h"

static void usage(int code)
{
	fputs("usage: " PROG
	      " [--pwfile=FILE] [--hasher=NAME] <username> [<password>] [<maildir>]\n"
	      "       " PROG " [--pwfile=FILE] --disable <username> [<maildir>]\n"
	      "       " PROG " --version | -h | --help\n",
	      code ? stderr : stdout);
	if (code == 0)
		fputs("Sets the password of <username> in the password file (PWFILE), creating\n"
		      "the account when it does not exist (then <maildir> is required; a\n"
		      "relative one is relative to the password file's directory). Without\n"
		      "<password> it is read twice from the terminal, or as one line of\n"
		      "standard input when that is not a terminal. An empty password, or\n"
		      "--disable, sets an unusable one. Hashers (ASIMAP_PASSWORD_HASHER):\n"
		      "pbkdf2_sha256 (the default, 870000 iterations as Django 5.1),\n"
		      "pbkdf2_sha1, argon2, bcrypt_sha256, scrypt. Exit: 0 done, 1 the two\n"
		      "entries differ, 100 usage or configuration, 111 system failure.\n",
		      stdout);
	exit(code);
}

/* The test hook of ASIMAP_TEST_PAUSE_BEFORE_RENAME: stop with the new file
 * written but not yet in place, for a test to kill us there. */
static void pause_here(void)
{
	raise(SIGSTOP);
}

/* Exits when why says what is wrong with value (printed unless it holds
 * bytes that would garble the message). */
static const char *check(const char *what, const char *value, const char *why)
{
	if (why && (strstr(why, "control") || strstr(why, "newline")))
		log_fatal(EXIT_USAGE, "unable to use %s: it %s", what, why);
	if (why)
		log_fatal(EXIT_USAGE, "unable to use %s \"%s\": it %s", what, value, why);
	return value;
}

/* What the command line and the environment ask for. */
struct args {
	const char *pwfile, *hasher, *user, *maildir, *password;
	int disable;
};

static void parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"pwfile", required_argument, 0, 'p'}, {"hasher", required_argument, 0, 'H'},
	    {"disable", no_argument, 0, 'd'},      {"version", no_argument, 0, 'V'},
	    {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
	int c;

	a->pwfile = getenv("PWFILE");
	a->hasher = getenv("ASIMAP_PASSWORD_HASHER");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'p')
			a->pwfile = optarg;
		else if (c == 'H')
			a->hasher = optarg;
		else if (c == 'd')
			a->disable = 1;
		else if (c == 'V') {
			setpw_print_version();
			exit(0);
		} else
			usage(c == 'h' ? 0 : EXIT_USAGE);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > (a->disable ? 2 : 3))
		usage(EXIT_USAGE);
	if (!a->pwfile || !*a->pwfile)
		log_fatal(EXIT_USAGE, "unable to find the password file: set PWFILE or --pwfile");
	if (!a->hasher || !*a->hasher)
		a->hasher = HASH_MAKE_DEFAULT;
	if (!hash_make_known(a->hasher))
		log_fatal(EXIT_USAGE,
		          "unable to use hasher %s: not one of pbkdf2_sha256, pbkdf2_sha1, argon2, "
		          "bcrypt_sha256, scrypt",
		          a->hasher);
	a->user = check("the user name", argv[0], pwfile_edit_bad_user(argv[0]));
	if (!a->disable && argc >= 2)
		a->password = argv[1];
	if (argc == (a->disable ? 2 : 3))
		a->maildir =
		    check("the maildir", argv[argc - 1], pwfile_edit_bad_maildir(argv[argc - 1]));
}

/* The hash to write into hash (HASH_MAKE_MAX_BYTES): of the password given
 * or read, or an unusable one. */
static void make_hash(const struct args *a, char *hash)
{
	static char pw[SETPW_PASSWORD_MAX + 1];
	size_t pwlen = 0;

	if (a->password) {
		pwlen = strlen(a->password);
		if (pwlen > SETPW_PASSWORD_MAX)
			log_fatal(EXIT_USAGE, "unable to use the password: longer than %d bytes",
			          SETPW_PASSWORD_MAX);
		memcpy(pw, a->password, pwlen);
	} else if (!a->disable) {
		pwlen = setpw_read_password(pw);
	}
	if ((a->disable || pwlen == 0)
	        ? !hash_make_unusable(hash, HASH_MAKE_MAX_BYTES)
	        : !hash_make(a->hasher, pw, pwlen, hash, HASH_MAKE_MAX_BYTES))
		log_fatal(EXIT_TEMP, "unable to hash the password with %s: %s", a->hasher,
		          strerror(errno));
	sodium_memzero(pw, sizeof pw);
}

int main(int argc, char **argv)
{
	static char hash[HASH_MAKE_MAX_BYTES];
	const char *test_pause = getenv("ASIMAP_TEST_PAUSE_BEFORE_RENAME");
	struct args a = {0};
	struct pwfile_edit_error err;
	int created = 0;

	log_init(PROG);
	parse_args(argc, argv, &a);
	if (sodium_init() < 0)
		log_fatal(EXIT_TEMP, "unable to start libsodium");
	make_hash(&a, hash);
	if (!pwfile_edit_update(a.pwfile, a.user, hash, a.maildir, &created,
	                        test_pause && *test_pause ? pause_here : NULL, &err)) {
		sodium_memzero(hash, sizeof hash);
		if (strcmp(err.what, "find the account in") == 0)
			log_fatal(
			    EXIT_USAGE,
			    "unable to find the account %s in %s: give a maildir to create it",
			    a.user, err.path);
		log_fatal(setpw_exit_code(err.err), "unable to %s %s: %s", err.what, err.path,
		          strerror(err.err));
	}
	sodium_memzero(hash, sizeof hash);
	return 0;
}
