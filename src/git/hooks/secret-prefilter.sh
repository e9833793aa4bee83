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
(unset GIT_ALTERNATE_OBJECT_DIRECTORIES; exec git cat-file --batch-all-objects --unordered \
  --batch-check='%(objecttype) %(objectname) %(objectsize)') > "$scratch/objects" || exit 0
# The blobs are searched in two halves of about equal bytes by two processes at once (the
# client waits for this; git's index-pack is done). Each half keeps the listing's pack
# order, so a delta's base is mostly read by the same process. A half is a tree naming
# each blob by its id, written to a scratch object directory, never into the repository.
awk -v out="$scratch/tree" '
  $1 == "blob" && $3 <= 1048576 { if (NR == FNR) total += $3; else { printf "100644 blob %s\t%s\n", $2, $2 > (out "." (seen < total / 2 ? 0 : 1)); seen += $3 } }
  END { exit total == 0 }' "$scratch/objects" "$scratch/objects"
case $? in 0) ;; 1) exit 1 ;; *) exit 0 ;; esac
mkdir "$scratch/objects.d" || exit 0
# git grep reads each blob once, inflated in its own memory: cheaper than cat-file piping
# every byte to grep. -P needs a git built with PCRE2; without it git grep fails, the
# status is 128, and the node check decides. The C locale keeps PCRE2 out of UTF-8 mode,
# so bytes that are not UTF-8 (binary files) are searched like any others.
export GIT_OBJECT_DIRECTORY="$scratch/objects.d" GIT_ALTERNATE_OBJECT_DIRECTORIES="$GIT_QUARANTINE_PATH" LC_ALL=C
scan() {
  [ -s "$scratch/tree.$1" ] || { echo 1 > "$scratch/status.$1"; return; }
  tree=$(git mktree < "$scratch/tree.$1") || { echo 128 > "$scratch/status.$1"; return; }
  git grep --threads=1 -q -P -e "${GITGATE_TOKEN_PREFIX}[0-9A-Za-z]{38}" "$tree"
  echo "$?" > "$scratch/status.$1"
}
scan 0 & scan 1 & wait
for half in 0 1; do
  read -r status < "$scratch/status.$half" && [ "$status" = 1 ] || exit 0
done
exit 1
