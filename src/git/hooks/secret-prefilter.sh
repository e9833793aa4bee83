# Sourced by nothing, run by gitgate's pre-receive with sh: decides, without
# starting node, whether secret push protection has anything to ask the
# gateway about. Exit 1 only when that is certain: no pack came (nothing
# new), or none of the new blobs of at most 1 MiB holds a token-shaped
# string (<prefix><38 base62>, what push-check-hook.mjs looks for) and the
# push did not ask to skip the scan (that must reach the audit log). Exit 0
# otherwise — a candidate, the skip option, or any step failing — so the
# node check runs and decides (failing closed there).
[ -n "$GIT_QUARANTINE_PATH" ] || exit 1
i=0
while [ "$i" -lt "${GIT_PUSH_OPTION_COUNT:-0}" ]; do
  eval "option=\${GIT_PUSH_OPTION_$i}"
  [ "$option" = "secret_push_protection.skip_all" ] && exit 0
  i=$((i + 1))
done
scratch=$(mktemp -d) || exit 0
trap 'rm -rf "$scratch"' EXIT
# Without the alternates git sees the quarantine alone: the objects this push brought.
# Each step's own status is checked: a failure must not read as "nothing found".
env -u GIT_ALTERNATE_OBJECT_DIRECTORIES git cat-file --batch-all-objects --unordered \
  --batch-check='%(objecttype) %(objectname) %(objectsize)' > "$scratch/objects" || exit 0
awk '$1 == "blob" && $3 <= 1048576 { print $2 }' "$scratch/objects" > "$scratch/blobs" || exit 0
blobs="$scratch/blobs"
status="$scratch/status"
[ -s "$blobs" ] || exit 1
found=$({ git cat-file --batch < "$blobs"; echo "$?" > "$status"; } | grep -c -m 1 -aE "${GITGATE_TOKEN_PREFIX}[0-9A-Za-z]{38}")
[ "${found:-0}" = 0 ] || exit 0
[ "$(cat "$status")" = 0 ] || exit 0
exit 1
