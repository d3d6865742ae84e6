#!/usr/bin/env bash
# Checks that every project include points down the layers (docs/architecture.md): a folder may
# include only itself and the folders listed for it. Prints each include that runs back up.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [resp]="resp"
  [auth]="auth"
  [config]="config"
  [storage]="storage"
  [pgbackend]="pgbackend storage config"
  [server/state]="server/state storage auth config"
  [server/dispatch]="server/dispatch server/state storage resp auth config"
  [server/scripting]="server/scripting server/dispatch server/state storage resp auth config"
  [server/commands]="server/commands server/scripting server/dispatch server/state storage resp auth config"
  [server/tasks]="server/tasks server/dispatch server/state storage resp auth config"
  [server/net]="server/net server/commands server/scripting server/tasks server/dispatch server/state storage resp auth config"
)

bad=0
for folder in "${!allowed[@]}"; do
  for file in $(find "$folder" -maxdepth 2 \( -name '*.cpp' -o -name '*.hpp' \)); do
    # Files of server/net belong to server/net, not server/ (and pgbackend/sql to pgbackend).
    while IFS= read -r included; do
      ok=0
      for prefix in ${allowed[$folder]}; do
        [[ "$included" == "$prefix"/* ]] && ok=1
      done
      if [ $ok -eq 0 ]; then
        echo "layering: $file includes \"$included\", above or beside $folder"
        bad=1
      fi
    done < <(grep -oE '^#include "[^"]+"' "$file" | sed -E 's/#include "(.*)"/\1/')
  done
done
[ $bad -eq 0 ] && echo "layering: every include points down"
exit $bad
