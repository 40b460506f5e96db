#!/usr/bin/env bash
# The project's style and determinism checks (run by .ci/run; exits non-zero on any finding):
#   1. every C++ file is clang-format clean (Google style, 100 columns: .clang-format);
#   2. no function is longer than 100 lines, except those listed in scripts/long-functions.txt
#      (a list that should only ever shrink);
#   3. the determinism bans of the simulated world: no wall clock, global random source or thread
#      outside the real (POSIX) Env and the real-mode clock.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
MAX_LINES=100

mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '\.gen\.inc$')

# 1. Formatting.
unformatted=$(printf '%s\0' "${files[@]}" |
  xargs -0 -n 64 clang-format --dry-run -Werror 2>&1 | grep -oE '^[^:]+\.(cc|h):' | sort -u)
if [ -n "$unformatted" ]; then
  echo "tidy: not clang-format clean (run: clang-format -i FILE):"
  echo "$unformatted" | sed 's/:$//; s/^/  /'
  status=1
fi

# 2. Function length, from universal-ctags' start and end lines. Allow-list lines: path:function.
allow=scripts/long-functions.txt
long=$(printf '%s\n' "${files[@]}" | grep '\.cc$' |
  ctags -L - -o - --language-force=C++ --c++-kinds=f --fields=+ne 2>/dev/null |
  awk -F'\t' -v max="$MAX_LINES" '{
    l = 0; e = 0
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^line:/) l = substr($i, 6)
      if ($i ~ /^end:/) e = substr($i, 5)
    }
    if (e - l + 1 > max) print $2 ":" $1 "\t" (e - l + 1)
  }')
if [ -n "$long" ]; then
  over=$(echo "$long" | while IFS=$'\t' read -r name n; do
    grep -qxF "$name" "$allow" 2>/dev/null || echo "  $name ($n lines)"
  done)
  if [ -n "$over" ]; then
    echo "tidy: functions over $MAX_LINES lines (split them, or justify an entry in $allow):"
    echo "$over"
    status=1
  fi
fi

# 3. Determinism bans (DESIGN.md): outside the real Env and the real-mode clock only.
dirs=()
for d in engine sim netsim faults checkers scenarios world; do [ -d "$d" ] && dirs+=("$d"); done
banned='system_clock|steady_clock|high_resolution_clock|gettimeofday|clock_gettime|[^a-z_]time\(nullptr\)|[^a-z_]time\(NULL\)|[^a-z_:]rand\(\)|random_device|std::thread|std::async|pthread_create|getpid\(|this_fiber::sleep_(for|until)'
hits=$(grep -rnE --include='*.cc' --include='*.h' "$banned" "${dirs[@]}" |
  grep -vE '/(posix|real)[^/]*\.(cc|h):|/env/(posix|real)' |
  grep -vE 'suspend_until\(.*steady_clock::time_point')
if [ -n "$hits" ]; then
  echo "tidy: wall clock, global randomness or threads outside the real Env:"
  echo "$hits" | sed 's/^/  /'
  status=1
fi

[ $status -eq 0 ] && echo "tidy: clean (${#files[@]} files)"
exit $status
