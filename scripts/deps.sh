#!/bin/sh
# deps.sh - install what building and testing Guichet needs (Debian 12).
#
# Installs with apt-get, quietly and without questions, only the packages
# that are missing; does nothing (and needs no privilege) when all are
# there. Runs as root, or through sudo otherwise.
#
# The tests start their own PostgreSQL, Dovecot, SMTP sink and Postfix on
# loopback: the system instances that the packages bring are not needed
# (Postfix is installed with "No configuration", so its own instance has
# nothing to run). While
# installing, a policy-rc.d keeps the packages from starting them (so the
# install works in containers without systemd too), and on a systemd host
# the services of packages installed by this run are disabled.
#
# Environment: GUICHET_DEPS_EXTRA adds packages to the list.

set -eu

PACKAGES="build-essential cmake pkg-config clang libclang-rt-14-dev
	libetpan-dev libpq-dev libpcre2-dev libssl-dev libcurl4-gnutls-dev
	libjansson-dev libcmocka-dev libxml2-dev libgmime-3.0-dev libsystemd-dev
	libmicrohttpd-dev libgpgme-dev gnupg gpg-agent mandoc chromium
	dovecot-imapd python3-aiosmtpd python3-prometheus-client postgresql-15
	tzdata openssl ca-certificates ${GUICHET_DEPS_EXTRA:-}"

# Services a package of the list may start, and the package bringing it.
SERVICES="dovecot:dovecot-core postgresql:postgresql-15 postfix:postfix"

installed() {
	dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null |
	    grep -qx installed
}

# Postfix conflicts with any other MTA: apt would remove the machine's own
# (exim4, say) to install it. Then it is left out, and the tests that need
# it say that they are skipped.
if installed postfix || [ ! -e /usr/sbin/sendmail ]; then
	PACKAGES="$PACKAGES postfix"
else
	echo "deps.sh: another MTA is installed; Postfix is left out" \
	    "(its tests will be skipped)"
fi

missing=""
for p in $PACKAGES; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps.sh: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -E sh "$0" "$@"
	fi
	echo "deps.sh: missing:$missing; run as root (no sudo here)" >&2
	exit 1
fi

# Which of the services' packages are new in this run.
new_services=""
for s in $SERVICES; do
	installed "${s#*:}" || new_services="$new_services ${s%%:*}"
done

echo "deps.sh: installing:$missing"

# Keep maintainer scripts from starting daemons while we install; leave an
# existing policy alone.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=1
fi
cleanup() {
	if [ -n "$own_policy" ]; then
		rm -f "$policy"
	fi
}
trap cleanup EXIT INT TERM

export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail server this is: none (the tests run their
# own instance with its own configuration).
if command -v debconf-set-selections >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
fi
APT="apt-get -q -y -o DPkg::Lock::Timeout=600
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

# Stale or empty package lists make install fail: refresh them first.
$APT update >/dev/null ||
    echo "deps.sh: apt-get update failed; trying anyway" >&2
# shellcheck disable=SC2086
$APT install --no-install-recommends $missing >/dev/null

still=""
for p in $missing; do
	installed "$p" || still="$still $p"
done
if [ -n "$still" ]; then
	echo "deps.sh: could not install:$still" >&2
	exit 1
fi

# The services the install brought are not wanted: the tests run their
# own instances. Under systemd, stop and disable them; elsewhere stop them
# unless our policy-rc.d kept them from starting.
for s in $new_services; do
	if [ -d /run/systemd/system ]; then
		systemctl disable --now "$s" >/dev/null 2>&1 || true
	elif [ -z "$own_policy" ]; then
		service "$s" stop >/dev/null 2>&1 || true
	fi
done

echo "deps.sh: done"
