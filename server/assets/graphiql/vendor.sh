#!/usr/bin/env bash
# Fetches the GraphiQL page's assets from the npm registry at the pinned versions, checks each
# package against its published integrity, and copies the files served by the binary (with the
# licences) here. Run it to upgrade (change the versions and integrities below); the server embeds
# what this folder holds at build time, and loads nothing from anywhere else.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # name version integrity
  local tarball
  tarball=$(cd "$work" && npm pack --silent "$1@$2")
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  [ "$got" = "$3" ] || { echo "$1@$2: integrity $got, expected $3" >&2; exit 1; }
  mkdir -p "$work/$1" && tar xzf "$work/$tarball" -C "$work/$1"
}

fetch graphiql 3.8.3 'sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw=='
fetch react 18.3.1 'sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ=='
fetch react-dom 18.3.1 'sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw=='

cp "$work/graphiql/package/graphiql.min.js" "$work/graphiql/package/graphiql.min.css" .
cp "$work/react/package/umd/react.production.min.js" .
cp "$work/react-dom/package/umd/react-dom.production.min.js" .
cp "$work/graphiql/package/LICENSE" LICENSE-graphiql
cp "$work/react/package/LICENSE" LICENSE-react
cp "$work/react-dom/package/LICENSE" LICENSE-react-dom
sha256sum ./*.js ./*.css
