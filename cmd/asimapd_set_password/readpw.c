/* Reading the new password: from the terminal without echo, or one line of
 * stdin. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "setpw.h"

static struct termios saved_tio;
static volatile sig_atomic_t echo_off;

/* Puts the terminal back before dying of a signal. */
static void restore_and_die(int sig)
{
	if (echo_off)
		tcsetattr(0, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_echo(int on)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct termios t = saved_tio;

	if (on) {
		tcsetattr(0, TCSAFLUSH, &saved_tio);
		echo_off = 0;
		return;
	}
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], restore_and_die);
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	echo_off = 1;
	if (tcsetattr(0, TCSAFLUSH, &t) != 0)
		log_fatal(EXIT_TEMP, "unable to turn off echo on the terminal: %s",
		          strerror(errno));
}

/* One line of fd 0 into buf, without its newline.  Returns its length, or
 * -1 at end of input before any byte.  Fatal when too long or on error. */
static long read_line(char *buf)
{
	size_t n = 0;
	char c;

	for (;;) {
		ssize_t r = read(0, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_echo(1);
			log_fatal(EXIT_TEMP, "unable to read the password: %s", strerror(errno));
		}
		if (r == 0 && n == 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n == SETPW_PASSWORD_MAX) {
			set_echo(1);
			sodium_memzero(buf, SETPW_PASSWORD_MAX + 1);
			log_fatal(EXIT_USAGE, "unable to use the password: longer than %d bytes",
			          SETPW_PASSWORD_MAX);
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		set_echo(1);
		sodium_memzero(buf, SETPW_PASSWORD_MAX + 1);
		log_fatal(EXIT_USAGE, "unable to use the password: it contains a NUL byte");
	}
	return (long)n;
}

static void prompt(const char *s)
{
	ssize_t w = write(2, s, strlen(s));
	(void)w;
}

size_t setpw_read_password(char *buf)
{
	static char again[SETPW_PASSWORD_MAX + 1];
	long n, m;

	if (!isatty(0)) {
		n = read_line(buf);
		if (n < 0)
			log_fatal(EXIT_USAGE,
			          "unable to read the password: standard input is empty");
		return (size_t)n;
	}
	if (tcgetattr(0, &saved_tio) != 0)
		log_fatal(EXIT_TEMP, "unable to read the terminal's settings: %s", strerror(errno));
	set_echo(0);
	prompt("Password: ");
	n = read_line(buf);
	prompt("Password (again): ");
	m = read_line(again);
	set_echo(1);
	int same = n == m && (n < 0 || memcmp(buf, again, (size_t)n) == 0);
	sodium_memzero(again, sizeof again);
	if (!same) {
		sodium_memzero(buf, SETPW_PASSWORD_MAX + 1);
		log_fatal(EXIT_NO, "unable to set the password: the two entries differ");
	}
	if (n < 0)
		log_fatal(EXIT_USAGE, "unable to read the password: end of input");
	return (size_t)n;
}
