#!/usr/bin/env bash
# Install everything the tests need on a fresh machine, then run the whole suite.
#   bash scripts/test.sh            (extra arguments go to pytest)
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt

# The end-to-end tests drive Debian's Chromium; install it when missing and we may.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "chromium/chromedriver not installed: browser tests will be skipped" >&2
  fi
fi

# The store's tests also run against a real PostgreSQL server with PostGIS (the migrations create the
# extension in each test database; positions get a geometry column with a GiST index): start a private one.
if [ -z "${CHECKPOST_TEST_PG_URL:-}" ] && [ "$(id -u)" = "0" ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || true
  fi
  PG_MAJOR="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)"
  if [ -n "$PG_MAJOR" ] && ! ls /usr/share/postgresql/"$PG_MAJOR"/extension/postgis.control >/dev/null 2>&1 \
      && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_MAJOR-postgis-3" >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PG_MAJOR-postgis-3" >/dev/null; } \
      || echo "PostGIS not installed: PostgreSQL tests run on the portable lon/lat schema" >&2
  fi
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -n "$PG_BIN" ] && id postgres >/dev/null 2>&1; then
    PG_DIR=/tmp/checkpost-pg
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
      rm -rf "$PG_DIR" && mkdir -p "$PG_DIR" && chown postgres "$PG_DIR"
      su postgres -c "$PG_BIN/initdb -D $PG_DIR/data -A trust -U postgres" >/dev/null
    fi
    su postgres -c "$PG_BIN/pg_ctl -D $PG_DIR/data -o '-p 55432 -k $PG_DIR -c listen_addresses=' -l $PG_DIR/log -w start" >/dev/null 2>&1 || true
    if su postgres -c "$PG_BIN/pg_isready -h $PG_DIR -p 55432" >/dev/null 2>&1; then
      export CHECKPOST_TEST_PG_URL="postgresql+psycopg://postgres@/postgres?host=$PG_DIR&port=55432"
      trap 'su postgres -c "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast stop" >/dev/null 2>&1 || true' EXIT
    fi
  fi
fi

mkdir -p artifacts/screenshots
python3 -m pytest -q -p no:cacheprovider "$@"
