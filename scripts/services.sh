# Sourced by test.sh: makes this machine ready for the test suite, so that `./test.sh` passes on a
# fresh Debian machine too.
# - PostgreSQL and Redis answering where DATABASE_URL and REDIS_URL point. When they point at this
#   machine and do not answer, they are started; when they are not installed and we are root, they
#   are installed first (apt-get). A PostgreSQL installed here is given the team machines' local
#   access: user postgres over 127.0.0.1 without a password.
# - Chromium (browser tests) and gettext's msgfmt (translation tests), installed when missing and
#   we are root.
# Anything it may not do (not root, or a server on another machine) it names in one line and stops.

_say() { echo "test.sh: $*" >&2; }
_host_of() { python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(p.hostname or "", p.port or sys.argv[2])' "$1" "$2"; }
_is_local() { case "$1" in 127.0.0.1|localhost|::1) return 0 ;; *) return 1 ;; esac; }

read -r _pg_host _pg_port <<<"$(_host_of "$DATABASE_URL" 5432)"
read -r _redis_host _redis_port <<<"$(_host_of "$REDIS_URL" 6379)"
_root=false
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && _root=true

_missing=()
[ -x "$CHROMIUM_PATH" ] || _missing+=(chromium)
command -v msgfmt >/dev/null 2>&1 || _missing+=(gettext)
_installed_postgres=false
if _is_local "$_pg_host" && ! command -v pg_ctlcluster >/dev/null 2>&1; then
  _missing+=(postgresql)
  _installed_postgres=true
fi
if _is_local "$_redis_host" && ! command -v redis-server >/dev/null 2>&1; then
  _missing+=(redis-server)
fi
if [ ${#_missing[@]} -gt 0 ]; then
  if ! $_root; then
    _say "missing ${_missing[*]}; install them (as root: apt-get install ${_missing[*]}) and run ./test.sh again."
    exit 1
  fi
  _say "installing ${_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${_missing[@]}" >/dev/null
fi

if _is_local "$_pg_host"; then
  _version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if $_installed_postgres && [ -n "$_version" ]; then
    # Just installed: local connections as postgres without a password, as on the team's machines.
    sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' \
      "/etc/postgresql/$_version/main/pg_hba.conf"
    pg_ctlcluster --skip-systemctl-redirect "$_version" main reload >/dev/null 2>&1 || true
  fi
  if ! pg_isready -q -h "$_pg_host" -p "$_pg_port"; then
    if ! $_root || [ -z "$_version" ]; then
      _say "PostgreSQL does not answer on $_pg_host:$_pg_port; start it (as root: pg_ctlcluster <version> main start)."
      exit 1
    fi
    _say "starting PostgreSQL $_version"
    pg_ctlcluster --skip-systemctl-redirect "$_version" main start
  fi
fi
if _is_local "$_redis_host" && ! redis-cli -h "$_redis_host" -p "$_redis_port" ping >/dev/null 2>&1; then
  _say "starting Redis on $_redis_host:$_redis_port"
  redis-server --daemonize yes --bind "$_redis_host" --port "$_redis_port" --save "" --appendonly no >/dev/null
fi
for _ in $(seq 1 30); do
  (! _is_local "$_pg_host" || pg_isready -q -h "$_pg_host" -p "$_pg_port") \
    && (! _is_local "$_redis_host" || redis-cli -h "$_redis_host" -p "$_redis_port" ping >/dev/null 2>&1) && break
  sleep 1
done
