#!/usr/bin/env bash
# Back up Dudao: a pg_dump custom-format dump of the DATABASE_URL database and a
# tar.gz of MEDIA_ROOT (uploaded evidence, generated PDFs and exports).
#
# Usage: DATABASE_URL=postgres://user@host:5432/dudao MEDIA_ROOT=/srv/dudao/media \
#        scripts/backup.sh BACKUP_PARENT_DIR
# Writes BACKUP_PARENT_DIR/dudao-<UTC timestamp>/ with db.dump, media.tar.gz,
# MANIFEST and SHA256SUMS, and prints that folder's path as the last line.
# MEDIA_ROOT defaults to <project>/media, the same default as config/settings.py.
set -euo pipefail

die() { echo "backup.sh: $*" >&2; exit 2; }

[ $# -eq 1 ] || die "usage: scripts/backup.sh BACKUP_PARENT_DIR"
[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set; only PostgreSQL databases are backed up with this script (the embedded SQLite demo database is a single file: copy it)."
case "$DATABASE_URL" in
  postgres://*|postgresql://*|pgsql://*) ;;
  *) die "DATABASE_URL is not a PostgreSQL URL (must start with postgres://); refusing." ;;
esac
command -v pg_dump >/dev/null || die "pg_dump not found in PATH (install postgresql-client of the server's major version or newer)."

project_dir="$(cd "$(dirname "$0")/.." && pwd)"
media_root="${MEDIA_ROOT:-$project_dir/media}"
# libpq does not know the pgsql:// alias the app accepts.
db_url="${DATABASE_URL/#pgsql:\/\//postgresql://}"
db_name="${db_url%%\?*}"; db_name="${db_name##*/}"

# Backups hold personal data: nobody but the owner may read them.
umask 077
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$1/dudao-$stamp"
mkdir -p "$1"
mkdir "$target" || die "$target already exists; refusing to overwrite a backup."

pg_dump --format=custom --compress=6 --file="$target/db.dump" --dbname="$db_url" \
  || { rm -rf "$target"; die "pg_dump failed; the partial backup was removed."; }

if [ -d "$media_root" ]; then
  tar -czf "$target/media.tar.gz" -C "$media_root" .
else
  echo "backup.sh: warning: MEDIA_ROOT $media_root does not exist; storing an empty media archive." >&2
  tar -czf "$target/media.tar.gz" -T /dev/null
fi

{
  echo "created_utc=$stamp"
  echo "database=$db_name"
  echo "pg_dump=$(pg_dump --version)"
  echo "media_root=$media_root"
} > "$target/MANIFEST"
(cd "$target" && sha256sum db.dump media.tar.gz MANIFEST > SHA256SUMS)
echo "$target"
