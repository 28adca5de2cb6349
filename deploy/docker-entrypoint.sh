#!/bin/sh
# The database password comes from a Compose secret, never from the environment file or the image.
set -eu
if [ -z "${PGPASSWORD:-}" ] && [ -r /run/secrets/postgres_password ]; then
  PGPASSWORD="$(cat /run/secrets/postgres_password)"
  export PGPASSWORD
fi
exec "$@"
