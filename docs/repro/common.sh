# Shared by the reproductions: a fresh namespace rs-repro, helpers, cleanup on exit.
# RS is the routescope binary (default: the debug build of this checkout).
RS=${RS:-$(dirname "$0")/../../target/debug/routescope}
N=rs-repro
ip netns del $N 2>/dev/null
ip netns add $N
trap 'ip netns del $N 2>/dev/null; ip netns del $N-h 2>/dev/null' EXIT
x() { ip -n $N "$@"; }
sys() { ip netns exec $N sysctl -qw "$@"; }
veth() { x link add "$1" type veth peer name "$1p"; x link set "$1p" up; x link set "$1" up; }
x link set lo up
# ask QUERY...: the kernel (ip route get) and routescope (get, which also asks the kernel)
ask() {
  fam=""; case "$1" in *:*) fam="-6";; esac
  echo "## ip $fam route get $*"
  x $fam route get "$@" 2>&1 | sed 's/^/   /'
  "$RS" -n $N get "$@" 2>&1 | grep -E '^(Verdict|Kernel)|DISAGREE' | sed 's/^/   /'
}
