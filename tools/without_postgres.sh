#!/bin/sh
# Run a ./dev command as on a machine without PostgreSQL (root; Linux namespaces): a
# network namespace of its own (no 127.0.0.1:5432), the local cluster's socket folder
# and /etc/postgresql hidden behind empty tmpfs mounts, no PG* variables. The machine's
# own server keeps running for everyone else. Needs the private server's wheel in the
# cache already (the namespace has no network): run any command once with
# AGENCY_BILLING_PG=private first.
#
#   tools/without_postgres.sh ./dev test
set -e
if [ "$(id -u)" != 0 ]; then
    echo "without_postgres.sh: needs root (unshare, mount)" >&2
    exit 2
fi
if [ -z "$AB_IN_NAMESPACE" ]; then
    AB_IN_NAMESPACE=1 exec unshare --mount --net "$0" "$@"
fi
ip link set lo up
for dir in /var/run/postgresql /run/postgresql /etc/postgresql; do
    [ -d "$dir" ] && mount -t tmpfs none "$dir"
done
unset PGHOST PGPORT PGUSER PGPASSWORD AB_IN_NAMESPACE
exec "$@"
