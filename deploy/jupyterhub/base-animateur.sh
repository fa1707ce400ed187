#!/usr/bin/env bash
# One facilitator's meeting database, closed to the other facilitators (JupyterHub).
#
# The role ccm_NOM owns the database ccm_NOM; CONNECT (and TEMPORARY) on it are revoked from
# PUBLIC, so another facilitator's server, or a kernel of theirs, which connects as its own
# role, is refused there. Run as PostgreSQL's superuser:
#
#   sudo -u postgres deploy/jupyterhub/base-animateur.sh animatrice-niamey
#
# With CCM_DB_PASSWORD in the environment (read -rs CCM_DB_PASSWORD; export CCM_DB_PASSWORD;
# sudo --preserve-env=CCM_DB_PASSWORD -u postgres …), the role gets that password, for
# scram-sha-256 over TCP: the facilitator keeps it in ~/.pgpass (mode 600). Without it, the
# role has no password: peer authentication over the Unix socket. pg_hba.conf decides which
# (README, « Derrière JupyterHub »). PGHOST, PGPORT, PGUSER choose the server, as for psql.
set -euo pipefail
name=${1:?"usage : $0 NOM_DE_L_ANIMATEUR (son nom d'utilisateur du hub)"}
role="ccm_${name}"
createuser --login --no-superuser --no-createdb --no-createrole "$role"
createdb --owner="$role" --encoding=UTF8 --template=template0 "$role"
psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --set=role="$role" --dbname=postgres <<'SQL'
REVOKE CONNECT, TEMPORARY ON DATABASE :"role" FROM PUBLIC;
\getenv password CCM_DB_PASSWORD
\if :{?password}
ALTER ROLE :"role" PASSWORD :'password';
\endif
SQL
echo "base $role créée, propriété du rôle $role, fermée aux autres rôles"
