#!/bin/sh
# What the nginx image's entrypoint does that TaskFlow relies on: before nginx starts, each
# /etc/nginx/templates/NAME.template becomes /etc/nginx/conf.d/NAME, with only the variables
# NGINX_ENVSUBST_FILTER matches substituted (nginx's own `$vars` stay as they are).
set -eu

if [ "${1:-}" = nginx ]; then
    templates=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
    suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
    output=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
    names=$(env | cut -d= -f1 | grep -E -- "${NGINX_ENVSUBST_FILTER:-.}" || true)
    variables=$(printf '${%s} ' $names)
    for template in "$templates"/*"$suffix"; do
        [ -f "$template" ] || continue
        name=$(basename "$template" "$suffix")
        echo "$0: $template -> $output/$name"
        envsubst "$variables" <"$template" >"$output/$name"
    done
fi

exec "$@"
