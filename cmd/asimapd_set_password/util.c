/* asimapd_set_password: the version and exit codes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "setpw.h"

void setpw_print_version(void)
{
	static const char *const places[] = {"VERSION", "../VERSION", "../share/asimap/VERSION"};
	char self[PATH_MAX], path[PATH_MAX + 32], v[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
			snprintf(path, sizeof path, "%s/%s", self, places[i]);
			FILE *f = fopen(path, "re");
			if (!f)
				continue;
			char *ok = fgets(v, sizeof v, f);
			fclose(f);
			if (ok && v[0] != '\n' && v[0] != '\0') {
				v[strcspn(v, "\r\n")] = '\0';
				printf("%s %s\n", PROG, v);
				return;
			}
		}
	}
	printf("%s unknown\n", PROG);
}

int setpw_exit_code(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case EISDIR:
	case EINVAL:
	case EFBIG:
	case ENAMETOOLONG:
		return 100;
	default:
		return 111;
	}
}
