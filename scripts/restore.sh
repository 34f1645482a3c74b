#!/usr/bin/env bash
# Restore a Dudao backup made by scripts/backup.sh into a target database and MEDIA_ROOT.
#
# Usage: scripts/restore.sh [--force] BACKUP_DIR TARGET_DATABASE_URL TARGET_MEDIA_ROOT
# The target database is created when missing. A database that already holds
# tables, or a media folder that already holds files, is refused unless --force:
# then pg_restore --clean drops and recreates every object of the dump (objects
# the dump does not know stay), and the archive is unpacked over the media folder.
# The whole database restore is one transaction: it either fully applies or not at all.
set -euo pipefail

die() { echo "restore.sh: $*" >&2; exit 2; }

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
[ $# -eq 3 ] || die "usage: scripts/restore.sh [--force] BACKUP_DIR TARGET_DATABASE_URL TARGET_MEDIA_ROOT"
backup_dir="$1"; target_url="$2"; media_root="$3"

case "$target_url" in
  postgres://*|postgresql://*|pgsql://*) ;;
  *) die "TARGET_DATABASE_URL is not a PostgreSQL URL (must start with postgres://); refusing." ;;
esac
for tool in pg_restore psql sha256sum tar; do
  command -v "$tool" >/dev/null || die "$tool not found in PATH."
done
[ -f "$backup_dir/db.dump" ] && [ -f "$backup_dir/media.tar.gz" ] && [ -f "$backup_dir/SHA256SUMS" ] \
  || die "$backup_dir is not a backup folder (db.dump, media.tar.gz, SHA256SUMS expected)."
(cd "$backup_dir" && sha256sum --quiet -c SHA256SUMS) || die "checksums do not match; the backup is damaged."

# libpq does not know the pgsql:// alias the app accepts.
target_url="${target_url/#pgsql:\/\//postgresql://}"
base="${target_url%%\?*}"
query=""; case "$target_url" in *\?*) query="?${target_url#*\?}" ;; esac
db_name="${base##*/}"
[[ "$db_name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "target database name '$db_name' must be letters, digits and _."
# CREATE DATABASE must run while connected to another database.
admin_url="${base%/*}/postgres$query"

exists="$(psql "$admin_url" -X -Atq -c "SELECT 1 FROM pg_database WHERE datname = '$db_name'")"
if [ "$exists" = "1" ]; then
  tables="$(psql "$target_url" -X -Atq -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")"
  if [ "$tables" != "0" ] && [ $force -ne 1 ]; then
    die "database $db_name is not empty ($tables tables); refusing to restore over it without --force."
  fi
fi
if [ -d "$media_root" ] && [ -n "$(ls -A "$media_root")" ] && [ $force -ne 1 ]; then
  die "media folder $media_root is not empty; refusing to unpack over it without --force."
fi

if [ "$exists" != "1" ]; then
  psql "$admin_url" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db_name\"" || die "could not create database $db_name."
fi
pg_restore --no-owner --clean --if-exists --single-transaction --exit-on-error \
  --dbname="$target_url" "$backup_dir/db.dump" || die "pg_restore failed; the database was left as it was before."

mkdir -p "$media_root"
tar -xzf "$backup_dir/media.tar.gz" -C "$media_root" --no-same-owner --no-same-permissions
echo "restore.sh: restored database $db_name and media into $media_root."
