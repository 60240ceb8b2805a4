#!/usr/bin/env bash
# Validate docker/ without a Docker engine: the compose files against the Compose specification's JSON schema
# (check-jsonschema's vendored compose-spec schema) and the Dockerfiles with hadolint (docker/hadolint.yaml).
#   tools/compose/check.sh                      # docker/compose*.yml and docker/Dockerfile*
#   tools/compose/check.sh compose FILE...      # only these compose files
#   tools/compose/check.sh dockerfile FILE...   # only these Dockerfiles
#   tools/compose/check.sh json FILE            # print a YAML file as JSON (merge keys resolved), for tests
# Exit codes: 0 = valid, 1 = findings (printed), 2 = usage, 4 = the tools could not be installed (see setup.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$("$here/setup.sh")"

compose() { "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$@"; }
dockerfile() { "$venv/bin/hadolint" --no-color --config "$root/docker/hadolint.yaml" "$@"; }

case "${1:-}" in
  "")
    status=0
    compose "$root/docker/compose.yml" "$root/docker/compose.gpu.yml" && echo "compose-spec schema: ok -- compose.yml, compose.gpu.yml" || status=1
    dockerfile "$root/docker/Dockerfile" "$root/docker/Dockerfile.cuda" && echo "hadolint: ok -- Dockerfile, Dockerfile.cuda" || status=1
    exit "$status" ;;
  compose) shift; [ $# -gt 0 ] || exit 2; compose "$@" ;;
  dockerfile) shift; [ $# -gt 0 ] || exit 2; dockerfile "$@" ;;
  json) [ $# -eq 2 ] || exit 2; exec "$venv/bin/python" "$here/yaml-to-json.py" "$2" ;;
  *) echo "usage: check.sh [compose FILE... | dockerfile FILE... | json FILE]" >&2; exit 2 ;;
esac
