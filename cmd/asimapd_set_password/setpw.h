/* asimapd_set_password's private helpers. */
#ifndef ASIMAP_SETPW_H
#define ASIMAP_SETPW_H

#include <stddef.h>

#define PROG "asimapd_set_password"
/* The longest password taken, in bytes. */
#define SETPW_PASSWORD_MAX 4096

/* Reads the new password into buf (SETPW_PASSWORD_MAX + 1 bytes, NUL-
 * terminated): when stdin is a terminal, twice without echo (prompts on
 * stderr), else one line of stdin (its "\n" or "\r\n" dropped).  Returns
 * its length (0: an empty password, which disables the account).  Exits 1
 * when the two entries differ, 100 when the password is too long, holds a
 * NUL or stdin is empty, 111 on a read error. */
size_t setpw_read_password(char *buf);

/* Prints "asimapd_set_password VERSION" (from the VERSION file beside the
 * program, in .. or in ../share/asimap; "unknown" without one). */
void setpw_print_version(void);

/* The exit code for a failure with errno err: 100 when it is a matter of
 * configuration (permissions, missing directories, bad input), 111 when
 * trying again may work. */
int setpw_exit_code(int err);

#endif
