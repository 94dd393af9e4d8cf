# SPDX-License-Identifier: BSD-3-Clause
#
# Sourced by tests that run a NIC model and an interactive testpmd on it.
# The caller sets build, run (model run dir) and work (scratch dir) and
# defines fail MESSAGE. Provides:
#   model_start PROFILE [opnic-model args...]   model in $run, pid in $model
#   testpmd_start KERNEL PAGE [testpmd args...] testpmd -i under opnic-run,
#       commands on fd 9 (echo CMD >&9), output in $work/tp.log, pid in $tp
#   testpmd_quit                                 stop, quit, wait: status in $tp_rc
#   ctl ARGS...                                  opnic-ctl on $run
model= tp= tp_rc=

ctl() { "$build/app/opnic-ctl" --run-dir "$run" "$@"; }

model_start() {
	local profile=$1
	shift
	"$build/app/opnic-model" --run-dir "$run" --profile "$profile" "$@" \
		2>"$work/model.log" &
	model=$!
	for _ in $(seq 200); do [ -f "$run/ready" ] && return 0; sleep 0.05; done
	cat "$work/model.log"
	fail "model did not start"
}

testpmd_start() {
	local kernel=$1 page=$2
	shift 2
	mkfifo "$work/cmd"
	"$build/app/opnic-run" --run-dir "$run" --kernel "$kernel" --page-size "$page" -- \
		stdbuf -oL dpdk-testpmd -d "$("$build/app/opnic-plugin-path")" \
		--in-memory -l 0,1 -a 0000:0b:00.0 -a 0000:0b:01.0 -- -i "$@" \
		<"$work/cmd" >"$work/tp.log" 2>&1 &
	tp=$!
	exec 9>"$work/cmd"
	for _ in $(seq 300); do grep -q '^Done' "$work/tp.log" && return 0; sleep 0.05; done
	fail "testpmd did not start"
}

testpmd_quit() {
	echo "stop" >&9
	echo "quit" >&9
	exec 9>&-
	wait "$tp"
	tp_rc=$?
	tp=
}

session_cleanup() {
	[ -n "$tp" ] && kill "$tp" 2>/dev/null
	[ -n "$model" ] && kill "$model" 2>/dev/null
	wait 2>/dev/null
}
