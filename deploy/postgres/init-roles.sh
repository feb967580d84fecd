#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d/):
# the two roles Jiedao needs and its database.
#   jiedao_owner  owns the tables; `jiedao db upgrade` connects as it (JIEDAO_MIGRATION_DATABASE_URL)
#   jiedao_app    what the API, ingesters, worker and scheduler connect as (JIEDAO_DATABASE_URL):
#                 neither owner nor BYPASSRLS, so row-level security binds it to one street per
#                 transaction; migrations grant it data access (JIEDAO_DB_APP_ROLE=jiedao_app).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$JIEDAO_OWNER_PASSWORD" -v app_password="$JIEDAO_APP_PASSWORD" <<'SQL'
CREATE ROLE jiedao_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE jiedao_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE jiedao OWNER jiedao_owner;
SQL
