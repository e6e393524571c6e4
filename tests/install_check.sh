#!/bin/sh
# install_check.sh - what a new user does with the Makefile, checked for real in a scratch
# directory: `make run` with and without a profile of one's own, `make install` with two
# PREFIXes in a row (with DESTDIR, and into real directories), `make uninstall` next to a
# user's own file, and what install puts in place: the man page (rendered by groff), the
# systemd unit (systemd-analyze verify and security, when systemd is installed) and the
# /etc/default file, and bash completion (called as bash calls it).
# Everything happens under one mktemp directory with its own BUILD; the repository's build/
# is not touched. Closes with "install: N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/switchsim-install.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "ok - $1"
}
fail() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /'
}
# same NAME WANT GOT: passes when GOT is WANT (lists are shown on one line).
same() {
    if [ "$3" = "$2" ]; then ok "$1"; else
        fail "$1" "want: $(printf '%s' "$2" | tr '\n' ' ')
got:  $(printf '%s' "$3" | tr '\n' ' ')"
    fi
}
# check NAME CMD...: passes when CMD exits 0; shows its output when it does not.
check() {
    name=$1
    shift
    if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$out"; fi
}
MAKE_T="make -s --no-print-directory BUILD=$T/build"

# A small profile of one's own, in a directory without profiles/ (as a user's would be).
mkdir -p "$T/lab" "$T/empty"
cat >"$T/lab/lab.yaml" <<'EOF'
devices:
  - name: leaf1
    port_groups:
      - name: "eth{n}"
        count: 3
EOF

# ---- make run ------------------------------------------------------------------------------
$MAKE_T all >/dev/null || { echo "install: build failed"; exit 1; }
lab_alone=$("$T/build/switchsim" --check-config --profile "$T/lab/lab.yaml" 2>&1)
default_alone=$("$T/build/switchsim" --check-config --profile profiles/default.yaml 2>&1)
run_last_line() { $MAKE_T run "$@" 2>&1 | tail -n 1; }

same "make run ARGS=\"--profile X\" serves X alone" "$lab_alone" \
    "$(run_last_line ARGS="--profile $T/lab/lab.yaml --check-config")"
same "make run ARGS=\"--profile=X\" serves X alone" "$lab_alone" \
    "$(run_last_line ARGS="--profile=$T/lab/lab.yaml --check-config")"
same "make run PROFILE=X serves X" "$lab_alone" \
    "$(run_last_line PROFILE="$T/lab/lab.yaml" ARGS=--check-config)"
same "make run without a profile serves profiles/default.yaml" "$default_alone" \
    "$(run_last_line ARGS=--check-config)"
# docs/QUICKSTART.md's third command, validated instead of served.
same "QUICKSTART's third make run command" "$default_alone" \
    "$(run_last_line ARGS="--profile profiles/default.yaml --seed 7 --start-time 2026-11-22T00:00:00Z --check-config")"

# ---- make install with two PREFIXes in a row, into a DESTDIR ----------------------------------
# The binary of the second install must look in the second PREFIX (compiled in), and say so
# when the profile is not there (it is not: DESTDIR is only a staging root).
D=$T/dest
# shellcheck disable=SC2086
check "make install DESTDIR=... PREFIX=/opt/first" $MAKE_T install DESTDIR="$D" PREFIX=/opt/first
# shellcheck disable=SC2086
check "then make install DESTDIR=... PREFIX=/opt/second" $MAKE_T install DESTDIR="$D" PREFIX=/opt/second
out=$(cd "$T/empty" && "$D/opt/second/bin/switchsim" --check-config 2>&1)
rc=$?
case "$rc:$out" in
2:*"/opt/second/share/switchsim/profiles/default.yaml"*) ok "DESTDIR install, second PREFIX: the binary looks in it and names the path it tried" ;;
*) fail "DESTDIR install, second PREFIX: the binary looks in it and names the path it tried" "exit $rc: $out" ;;
esac
missing=""
for f in opt/second/bin/switchsim opt/second/share/switchsim/profiles/default.yaml \
    opt/second/share/man/man1/switchsim.1 opt/second/lib/systemd/system/switchsim.service \
    opt/second/share/bash-completion/completions/switchsim etc/default/switchsim; do
    [ -f "$D/$f" ] || missing="$missing $f"
done
same "DESTDIR install put every file in place" "" "$missing"

# ---- the same into real directories: the installed binary finds its own profile -------------
P1=$T/p1
P2=$T/p2
inst() { $MAKE_T install PREFIX="$1" SYSCONFDIR="$1/etc"; }
uninst() { $MAKE_T uninstall PREFIX="$1" SYSCONFDIR="$1/etc"; }
check "make install PREFIX=p1" inst "$P1"
check "then make install PREFIX=p2" inst "$P2"
for p in "$P1" "$P2"; do
    same "install PREFIX=$(basename "$p"): default profile found from any directory" \
        "$default_alone" "$(cd "$T/empty" && "$p/bin/switchsim" --check-config 2>&1)"
done

# ---- man page --------------------------------------------------------------------------------
MAN=$P2/share/man/man1/switchsim.1
warn=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
if [ -z "$warn" ]; then ok "man page: groff -man renders it without warnings"; else
    fail "man page: groff -man renders it without warnings" "$warn"
fi
page=$(groff -man -Tutf8 "$MAN" 2>/dev/null | sed 's/.\x08//g')
missing=""
for flag in $("$P2/bin/switchsim" --help | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9.-]*' | tr -d ' ,'); do
    printf '%s\n' "$page" | grep -qF -- "$flag" || missing="$missing $flag"
done
if [ -z "$missing" ] && printf '%s\n' "$page" | grep -qF "$P2/share/switchsim/profiles/default.yaml"; then
    ok "man page: every flag of --help, and the installed default profile path"
else
    fail "man page: every flag of --help, and the installed default profile path" "missing:$missing"
fi

# ---- systemd unit and /etc/default ----------------------------------------------------------
UNIT=$P2/lib/systemd/system/switchsim.service
static_problems=""
for want in "ExecStart=$P2/bin/switchsim \$ARGS" "EnvironmentFile=-$P2/etc/default/switchsim" \
    "DynamicUser=yes" "NoNewPrivileges=yes" "ProtectSystem=strict" \
    "ExecReload=/bin/kill -HUP \$MAINPID" "Documentation=man:switchsim(1)"; do
    grep -qxF -- "$want" "$UNIT" || static_problems="$static_problems
no line: $want"
done
if [ -z "$static_problems" ]; then ok "systemd unit: paths of this PREFIX, dynamic user, hardening, reload"; else
    fail "systemd unit: paths of this PREFIX, dynamic user, hardening, reload" "$static_problems"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
    # MANPATH: Documentation=man:switchsim(1) must resolve to the installed page.
    check "systemd-analyze verify switchsim.service" \
        env MANPATH="$P2/share/man:" systemd-analyze verify "$UNIT"
    out=$(systemd-analyze security --offline=true "$UNIT" 2>&1)
    level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for switchsim.service: \([0-9.]*\).*/\1/p')
    # systemd's scale: < 2 is "OK", the best band; unhardened services score 9.6.
    if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l < 2.0) }'; then
        ok "systemd-analyze security: exposure $level (< 2.0)"
    else
        fail "systemd-analyze security: exposure < 2.0" "$(printf '%s\n' "$out" | tail -n 3)"
    fi
else
    echo "skip - systemd-analyze verify/security (systemd not installed; static check above)"
fi
# The unit's DynamicUser=yes runs switchsim as a uid that owns nothing: the installed files
# must be enough for it (modes of the binary, the profile and every directory on the way).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
    chmod 0755 "$T"
    same "a uid that owns nothing (as DynamicUser=yes) runs the installed binary on its profile" \
        "$default_alone" "$(cd / && setpriv --reuid=61999 --regid=61999 --clear-groups \
            --no-new-privs "$P2/bin/switchsim" --check-config 2>&1)"
else
    echo "skip - running as a uid that owns nothing (needs root and setpriv)"
fi
# The service runs `switchsim $ARGS` with the default file's ARGS: that must work as shipped.
# shellcheck disable=SC1091,SC2086
out=$(cd "$T/empty" && . "$P2/etc/default/switchsim" && [ "${ARGS+set}" = set ] &&
    "$P2/bin/switchsim" $ARGS --check-config 2>&1)
same "/etc/default/switchsim: sets ARGS, and the shipped ARGS work" "$default_alone" "$out"

# ---- bash completion -------------------------------------------------------------------------
COMP=$P2/share/bash-completion/completions/switchsim
mkdir -p "$T/comp/sub"
: >"$T/comp/lab.yaml"
: >"$T/comp/notes.txt"
# complete_with BINARY WORD...: the candidates for the last word of `BINARY WORD...`, one per
# line, sorted; complete WORD...: the same for the installed binary.
complete_with() {
    (cd "$T/comp" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _switchsim; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@" | sort)
}
complete_words() { complete_with "$P2/bin/switchsim" "$@"; }
want=$("$P2/bin/switchsim" --help | grep -oE -- '(^|[ ,])--[a-zA-Z][a-zA-Z0-9.-]*' | tr -d ' ,' | sort -u)
[ -n "$want" ] || fail "completion: --help lists no --flags"
same "completion: -- offers exactly the --flags of --help" "$want" "$(complete_words --)"
same "completion: --pro -> --profile" "--profile" "$(complete_words --pro)"
same "completion: --profile offers directories and *.yaml only" "$(printf 'lab.yaml\nsub\n' | sort)" \
    "$(complete_words --profile "")"
same "completion: nothing after a flag that takes a number" "" "$(complete_words -p "")"
# A binary with a flag the completion has never seen: it comes from that binary's --help.
printf '#!/bin/sh\nprintf "Flags:\\n  -f, --frobnicate N   new\\n  --profile PATH   p\\n"\n' \
    >"$T/fake-switchsim"
chmod +x "$T/fake-switchsim"
same "completion: flags and their values follow the binary's own --help" \
    "$(printf -- '--frobnicate\n--profile\n-f\n' | sort)" "$(complete_with "$T/fake-switchsim" "")"
same "completion: a new flag that takes a value gets no file names" "" \
    "$(complete_with "$T/fake-switchsim" --frobnicate "")"

# ---- uninstall --------------------------------------------------------------------------------
# p2: a user's own profile next to ours survives, everything install put there goes.
echo "devices: []" >"$P2/share/switchsim/profiles/my-lab.yaml"
check "make uninstall PREFIX=p2" uninst "$P2"
same "uninstall removes what install put there and keeps the user's own profile" \
    "./share/switchsim/profiles/my-lab.yaml" "$(cd "$P2" && find . -type f | sort)"
# p1: an edited /etc/default file survives install and uninstall; empty directories go.
echo 'ARGS="--log.level warn"' >>"$P1/etc/default/switchsim"
check "make install PREFIX=p1 again" inst "$P1"
if grep -q 'log.level warn' "$P1/etc/default/switchsim"; then
    ok "install keeps an edited /etc/default/switchsim"
else
    fail "install keeps an edited /etc/default/switchsim"
fi
check "make uninstall PREFIX=p1" uninst "$P1"
left=$(cd "$P1" && find . -type f | sort)
if [ "$left" = "./etc/default/switchsim" ] && [ ! -d "$P1/share/switchsim" ]; then
    ok "uninstall keeps an edited /etc/default/switchsim and removes the empty share/switchsim"
else
    fail "uninstall keeps an edited /etc/default/switchsim and removes the empty share/switchsim" "left: $left"
fi

cd "$ROOT" || exit 1
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
