#!/usr/bin/env bash
# scripts/test.sh: set up (scripts/setup.sh), then run every test layer and
# count the results.
#
#   bash scripts/test.sh                     every layer
#   bash scripts/test.sh pgtap tap           some layers (regress, isolation,
#                                            pgtap, tap, upgrade, python, fuzz)
#   bash scripts/test.sh test/sql/crypto.sql test/pgtap/privs.sql
#                                            single test files (a fuzz
#                                            harness: test/fuzz/fuzz_headers.c;
#                                            the upgrade layer is one file,
#                                            test/upgrade/run.sh)
#
# Layers and how each is counted:
#   pg_regress  test/sql/*.sql vs expected/*.out; one per test file
#   isolation   test/specs/*.spec vs expected/*.out; one per spec
#   pgTAP       test/pgtap/*.sql through pg_prove in a fresh database
#               webhook_tap that has pgtap installed; one per assertion
#   Perl TAP    test/t/*.pl through prove, run as the postgres user;
#               one per assertion
#   upgrade     test/upgrade/run.sh through prove: 0.1.0 installed (in public
#               and in a schema of its own), filled by test/upgrade/fill.sql,
#               ALTER EXTENSION webhook UPDATE, then compared with a fresh
#               CREATE EXTENSION webhook (normalised schema dumps, members,
#               grants, comments, seeded rows), the filled rows checked
#               before and after, and ingest and parked events after; last,
#               each comparison shown to notice a change.  Databases
#               webhook_upgrade_*, files in .run/upgrade/; one per check
#   python      test/python/unit/run.sh (the package's unit tests, counted
#               from its last line "python-unit: N passed, N failed"),
#               contrib/odoo/tests/run.sh (the Odoo addon's SQL and outbox
#               consumer against the extension, "odoo: ..."), then
#               test/python/e2e/run.sh: a Django site under gunicorn, with
#               pgbouncer, headless Chromium and prometheus-postgres-exporter,
#               against database e2e_webhook (and e2e_webhook_scale, 1,000,000
#               deliveries, dropped at the end); one per test.  Debian's /usr/bin/python3; the
#               Debian packages it needs are installed when missing; servers
#               on 127.0.0.1, files in .run/python/
#   fuzz        the libFuzzer harnesses of test/fuzz/ (clang, AddressSanitizer
#               with leak checking, UndefinedBehaviorSanitizer): each replays
#               its seed corpus test/fuzz/corpus/<harness>/, then fuzzes for
#               FUZZ_SECONDS; one per harness, passed when neither found a
#               crash, leak, failed check or timeout.  The harnesses run side
#               by side.  This layer needs neither setup nor the cluster: run
#               alone it takes no lock; with other layers it runs last, after
#               the cluster is stopped (CI) and the lock released.
# A file that dies, misses its plan or cannot run counts as failed; so does
# a layer that cannot run at all.  The last line is "N passed, N failed";
# the exit status is non-zero when anything failed.  Outputs land in .run/
# (pg_regress: .run/regress, isolation: .run/isolation, fuzz: .run/fuzz/,
# where each harness keeps its log, the corpus it grew and any crash input;
# never test/fuzz/corpus/) and tmp_check/.
#
# Environment: CI=true stops the cluster at the end (otherwise it is left
# running for psql); WEBHOOK_LAYER_TIMEOUT (seconds per layer, default 900);
# PROVE_FLAGS (extra flags for prove and pg_prove, e.g. -v); FUZZ_SECONDS
# (fuzzing time per harness after the corpus replay, default 30; 0 replays
# the corpus only); FUZZ_FLAGS (extra libFuzzer flags, e.g. -jobs=4).
set -uo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO" || exit 2

PGXS_SRC=/usr/lib/postgresql/15/lib/pgxs/src
PG_REGRESS_BIN=$PGXS_SRC/test/regress/pg_regress
PG_ISOLATION_BIN=$PGXS_SRC/test/isolation/pg_isolation_regress
LAYER_TIMEOUT=${WEBHOOK_LAYER_TIMEOUT:-900}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
RUN="$REPO/.run"
TOTAL_PASS=0
TOTAL_FAIL=0

# as_pg CMD...: run CMD as the postgres user, keeping our environment.
if [ "$(id -un)" = postgres ]; then
	AS_PG=()
elif [ "$(id -u)" -eq 0 ]; then
	AS_PG=(runuser -u postgres --)
else
	AS_PG=(sudo -u postgres --)
fi
as_pg() { "${AS_PG[@]}" "$@"; }

banner() { printf '\n===== %s =====\n' "$*"; }

# report LAYER PASSED FAILED: print a layer's summary and add it up.
report() {
	echo "$1: $2 passed, $3 failed"
	TOTAL_PASS=$((TOTAL_PASS + $2))
	TOTAL_FAIL=$((TOTAL_FAIL + $3))
	SUMMARY+=("$1: $2 passed, $3 failed")
}
SUMMARY=()

# count_regress LOG NTESTS RC: "passed failed" from pg_regress output.  A
# test that never printed a result (pg_regress gave up) counts as failed,
# and so does a non-zero exit with no failed test.
count_regress() {
	perl -e '
		my ($log, $n, $rc) = @ARGV;
		my ($p, $f) = (0, 0);
		open my $fh, "<", $log or die "$log: $!";
		while (<$fh>) {
			# PG 15: "test name ... ok   12 ms", "     name ... FAILED"
			if (/^(?:test\s+|\s+)\S+\s+\.\.\.\s+(ok|FAILED|failed \(ignored\))/) {
				$1 eq "FAILED" ? $f++ : $p++;
			}
			# PG 16+: "ok 1  - name  12 ms", "not ok 2  - name"
			elsif (/^(not )?ok \d+\s+[-+]\s+\S/) { $1 ? $f++ : $p++ }
		}
		$f += $n - $p - $f if $p + $f < $n;
		$f = 1 if $rc != 0 && $f == 0;
		print "$p $f\n";
	' "$@"
}

# count_prove LOG RC: "passed failed" from a prove/pg_prove summary.
# passed = Tests=N minus failed assertions; failed = failed assertions, plus
# planned-but-not-run assertions, plus one for a file that failed otherwise
# (died after its last test, no plan, bad TAP); plus one if prove itself
# failed or printed no summary.
count_prove() {
	perl -e '
		my ($log, $rc) = @ARGV;
		my ($tests, $result, $cur, %f, %extra, %bad);
		open my $fh, "<", $log or die "$log: $!";
		while (<$fh>) {
			s/\r?\n\z//;
			if (/^Files=\d+, Tests=(\d+),/) { $tests = $1; }
			elsif (/^Result: (\S+)/) { $result = $1; }
			elsif (/^(\S.*?) \(Wstat: (\d+).*?Tests: (\d+) Failed: (\d+)\)\s*$/) {
				$cur = $1; $f{$cur} = $4; $extra{$cur} = 0;
				$bad{$cur} = $2 != 0 || $4 > 0;
			}
			elsif (defined $cur && /^\s/) {
				$bad{$cur} = 1 if /Parse errors:|Non-zero (exit|wait) status/;
				$extra{$cur} += $1 - $2
					if /You planned (\d+) tests? but ran (\d+)/ && $1 > $2;
			}
			elsif (!/^\s/) { undef $cur; }
		}
		my ($failed, $asserts_failed) = (0, 0);
		for my $file (keys %f) {
			$asserts_failed += $f{$file};
			my $n = $f{$file} + $extra{$file};
			$n = 1 if $n == 0 && $bad{$file};
			$failed += $n;
		}
		my $passed = defined $tests ? $tests - $asserts_failed : 0;
		$passed = 0 if $passed < 0;
		$failed++ if !defined $tests || !defined $result;
		$failed = 1 if $failed == 0 && ($rc != 0 || $result ne "PASS");
		print "$passed $failed\n";
	' "$@"
}

# make_var NAME: a variable of the Makefile, as PGXS completes it.
make_var() {
	make --no-print-directory -s -f Makefile -f - PG_CONFIG="$PGBIN/pg_config" \
		webhook-print-var VAR="$1" <<'EOF'
webhook-print-var: ; @echo '$($(VAR))'
EOF
}

# list_tests VAR DIR EXT: the Makefile's test list VAR, or (should make fail)
# every DIR/*.EXT; one name a line.
list_tests() {
	local names f
	if names=$(make_var "$1"); then
		# shellcheck disable=SC2086
		[ -n "$names" ] && printf '%s\n' $names
	else
		for f in "$2"/*."$3"; do
			[ -e "$f" ] && { f=${f##*/}; echo "${f%."$3"}"; }
		done
	fi
	return 0
}

# --- which layers and files --------------------------------------------------
declare -A WANT=()
SEL_REGRESS=() SEL_ISOLATION=() SEL_PGTAP=() SEL_TAP=() SEL_FUZZ=()
for arg in "$@"; do
	case "$arg" in
	regress | pg_regress) WANT[regress]=1 ;;
	isolation) WANT[isolation]=1 ;;
	pgtap) WANT[pgtap]=1 ;;
	tap | perl) WANT[tap]=1 ;;
	upgrade) WANT[upgrade]=1 ;;
	fuzz) WANT[fuzz]=1 ;;
	python) WANT[python]=1 ;;
	*test/sql/*.sql) WANT[regress]=1; t=${arg##*/}; SEL_REGRESS+=("${t%.sql}") ;;
	*test/specs/*.spec) WANT[isolation]=1; t=${arg##*/}; SEL_ISOLATION+=("${t%.spec}") ;;
	*test/pgtap/*.sql) WANT[pgtap]=1; SEL_PGTAP+=("test/pgtap/${arg##*/}") ;;
	*test/t/*.pl) WANT[tap]=1; SEL_TAP+=("test/t/${arg##*/}") ;;
	*test/fuzz/fuzz_*.c) WANT[fuzz]=1; t=${arg##*/}; SEL_FUZZ+=("${t%.c}") ;;
	*test/upgrade/run.sh) WANT[upgrade]=1 ;;
	*) echo "test.sh: unknown layer or test file: $arg" >&2; exit 2 ;;
	esac
done
if [ $# -eq 0 ]; then
	WANT=([regress]=1 [isolation]=1 [pgtap]=1 [tap]=1 [upgrade]=1 [python]=1 [fuzz]=1)
fi
case $FUZZ_SECONDS in
'' | *[!0-9]*) echo "test.sh: FUZZ_SECONDS must be a number of seconds: $FUZZ_SECONDS" >&2; exit 2 ;;
esac

# the layers that need setup and the cluster
NEED_CLUSTER=
for l in regress isolation pgtap tap upgrade python; do
	[ -n "${WANT[$l]:-}" ] && NEED_CLUSTER=1
done
LOCKED=

# release_cluster: done with the cluster: in CI stop it, then let other runs
# have the lock (taken below).
release_cluster() {
	[ -n "$LOCKED" ] || return 0
	if [ "${CI:-}" = true ]; then
		as_pg "$PGBIN/pg_ctl" -D "$REPO/.pgdata/data" -m fast -w stop \
			>/dev/null 2>&1 9<&- || true
	fi
	exec 9<&-
	unset WEBHOOK_LOCK_HELD
	LOCKED=
}

finish() {
	release_cluster
	banner summary
	for line in "${SUMMARY[@]}"; do echo "$line"; done
	echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
	[ "$TOTAL_FAIL" -eq 0 ]
	exit
}

# --- serialise with other runs: they share make install and the cluster -----
if [ -n "$NEED_CLUSTER" ]; then
	take_lock test.sh
	LOCKED=1

	# --- setup --------------------------------------------------------------
	banner setup
	if ! bash "$REPO/scripts/setup.sh"; then
		echo "setup failed: no layer that needs the cluster can run"
		report setup 0 1
		unset 'WANT[regress]' 'WANT[isolation]' 'WANT[pgtap]' 'WANT[tap]' 'WANT[upgrade]' 'WANT[python]'
	fi
fi
mkdir -p "$RUN"

# run_driver LAYER BIN OUTDIR OPTS TESTS...: pg_regress or pg_isolation_regress
# against the running cluster.  --outputdir is a directory of .run/ holding
# links to the files of the top-level expected/: PG 15 looks for expected
# (and input) files in the output directory first, then in the input
# directory, and the repo's top-level sql/ holds install scripts, not tests.
run_driver() {
	local layer=$1 bin=$2 out=$3 opts=$4
	shift 4
	local n=$# log rc counts
	rm -rf "$out"
	mkdir -p "$out/expected"
	for f in "$REPO"/expected/*; do
		[ -e "$f" ] && ln -s "$f" "$out/expected/"
	done
	# A missing expected file makes pg_regress give up on every later test;
	# an empty stand-in (in .run/, never in the repo) fails just this one.
	for t in "$@"; do
		if [ ! -e "$out/expected/$t.out" ]; then
			echo "$layer: expected/$t.out is missing: $t will fail; its output will be in ${out#"$REPO"/}/results/$t.out"
			: >"$out/expected/$t.out"
		fi
	done
	log="$out/run.log"
	# shellcheck disable=SC2086  # opts is a word list from the Makefile
	timeout -k 30 "$LAYER_TIMEOUT" "$bin" $opts --outputdir="$out" \
		--bindir="$PGBIN" "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 124 ] && echo "$layer: timed out after ${LAYER_TIMEOUT}s"
	if [ -s "$out/regression.diffs" ] && [ "$rc" -ne 0 ]; then
		echo "----- $out/regression.diffs -----"
		cat "$out/regression.diffs"
		echo "----- end of regression.diffs -----"
	fi
	counts=$(count_regress "$log" "$n" "$rc") || counts="0 $((n > 0 ? n : 1))"
	# shellcheck disable=SC2086
	report "$layer" $counts
}

# --- pg_regress -------------------------------------------------------------
if [ -n "${WANT[regress]:-}" ]; then
	banner pg_regress
	if [ ${#SEL_REGRESS[@]} -gt 0 ]; then
		tests=("${SEL_REGRESS[@]}")
	else
		mapfile -t tests < <(list_tests REGRESS test/sql sql)
	fi
	opts=$(make_var REGRESS_OPTS) || opts="--inputdir=test --dbname=contrib_regression"
	if [ ${#tests[@]} -eq 0 ]; then
		echo "no test/sql/*.sql"
		report pg_regress 0 0
	else
		run_driver pg_regress "$PG_REGRESS_BIN" "$RUN/regress" "$opts" "${tests[@]}"
	fi
fi

# --- isolation --------------------------------------------------------------
if [ -n "${WANT[isolation]:-}" ]; then
	banner isolation
	if [ ${#SEL_ISOLATION[@]} -gt 0 ]; then
		tests=("${SEL_ISOLATION[@]}")
	else
		mapfile -t tests < <(list_tests ISOLATION test/specs spec)
	fi
	opts=$(make_var ISOLATION_OPTS) || opts="--inputdir=test --dbname=isolation_regression"
	if [ ${#tests[@]} -eq 0 ]; then
		echo "no test/specs/*.spec"
		report isolation 0 0
	else
		run_driver isolation "$PG_ISOLATION_BIN" "$RUN/isolation" "$opts" "${tests[@]}"
	fi
fi

# --- pgTAP ------------------------------------------------------------------
# Each file runs in database webhook_tap, created afresh here with pgtap
# installed; the file itself does BEGIN; CREATE EXTENSION webhook; ...;
# ROLLBACK.
if [ -n "${WANT[pgtap]:-}" ]; then
	banner pgTAP
	if [ ${#SEL_PGTAP[@]} -gt 0 ]; then
		files=("${SEL_PGTAP[@]}")
	else
		files=()
		for f in test/pgtap/*.sql; do [ -e "$f" ] && files+=("$f"); done
	fi
	log="$RUN/pgtap.log"
	if [ ${#files[@]} -eq 0 ]; then
		echo "no test/pgtap/*.sql"
		report pgTAP 0 0
	elif ! psql -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c 'SET client_min_messages = warning' \
		-c 'DROP DATABASE IF EXISTS webhook_tap WITH (FORCE)' \
		-c 'CREATE DATABASE webhook_tap' ||
		! psql -X -q -v ON_ERROR_STOP=1 -d webhook_tap -c 'CREATE EXTENSION pgtap'; then
		echo "pgTAP: could not create database webhook_tap with pgtap"
		report pgTAP 0 1
	else
		# shellcheck disable=SC2086
		timeout -k 30 "$LAYER_TIMEOUT" pg_prove ${PROVE_FLAGS:-} -d webhook_tap \
			"${files[@]}" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 124 ] && echo "pgTAP: timed out after ${LAYER_TIMEOUT}s"
		counts=$(count_prove "$log" "$rc") || counts="0 1"
		# shellcheck disable=SC2086
		report pgTAP $counts
	fi
fi

# --- Perl TAP ---------------------------------------------------------------
# PostgreSQL::Test::Cluster runs initdb, which refuses root: run prove as
# postgres, with the environment PGXS's prove_installcheck sets.
stop_tap_nodes() {
	[ -d "$REPO/tmp_check" ] || return 0
	find "$REPO/tmp_check" -name postmaster.pid 2>/dev/null | while read -r pidfile; do
		as_pg "$PGBIN/pg_ctl" -D "$(dirname "$pidfile")" -m immediate -w stop \
			>/dev/null 2>&1 9<&- || true
	done
}
if [ -n "${WANT[tap]:-}" ]; then
	banner "Perl TAP"
	if [ ${#SEL_TAP[@]} -gt 0 ]; then
		files=("${SEL_TAP[@]}")
	else
		files=()
		for f in test/t/*.pl; do [ -e "$f" ] && files+=("$f"); done
	fi
	log="$RUN/tap.log"
	if [ ${#files[@]} -eq 0 ]; then
		echo "no test/t/*.pl"
		report "Perl TAP" 0 0
	else
		stop_tap_nodes
		rm -rf "$REPO/tmp_check" 2>/dev/null || sudo rm -rf "$REPO/tmp_check"
		mkdir -p "$REPO/tmp_check"
		chown postgres:postgres "$REPO/tmp_check" 2>/dev/null ||
			sudo chown postgres:postgres "$REPO/tmp_check"
		pghome=$(getent passwd postgres | cut -d: -f6)
		# shellcheck disable=SC2086
		timeout -k 30 "$LAYER_TIMEOUT" "${AS_PG[@]}" \
			env -u PGHOST -u PGUSER -u PGDATABASE \
			HOME="$pghome" TESTDIR="$REPO" PATH="$PGBIN:$PATH" PGPORT=65432 \
			PG_REGRESS="$PG_REGRESS_BIN" \
			prove -I "$PGXS_SRC/test/perl/" -I "$REPO" -I "$REPO/test/t" ${PROVE_FLAGS:-} \
			"${files[@]}" 2>&1 9<&- </dev/null | tee "$log"
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 124 ] && echo "Perl TAP: timed out after ${LAYER_TIMEOUT}s"
		stop_tap_nodes
		counts=$(count_prove "$log" "$rc") || counts="0 1"
		# shellcheck disable=SC2086
		report "Perl TAP" $counts
	fi
fi

# --- upgrade ----------------------------------------------------------------
# test/upgrade/run.sh prints TAP, one test per check, with its plan first:
# prove counts it like the other TAP layers.
if [ -n "${WANT[upgrade]:-}" ]; then
	banner upgrade
	log="$RUN/upgrade.log"
	# shellcheck disable=SC2086
	timeout -k 30 "$LAYER_TIMEOUT" prove ${PROVE_FLAGS:-} --exec bash test/upgrade/run.sh \
		2>&1 </dev/null | tee "$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 124 ] && echo "upgrade: timed out after ${LAYER_TIMEOUT}s"
	counts=$(count_prove "$log" "$rc") || counts="0 1"
	# shellcheck disable=SC2086
	report upgrade $counts
fi

# --- python -----------------------------------------------------------------
# The package's unit tests (test/python/unit/run.sh, when there) and the
# end-to-end tests (test/python/e2e/run.sh), both under Debian's
# /usr/bin/python3 with the Debian packages below.  Each prints a last line
# "python-unit: N passed, N failed" / "python-e2e: N passed, N failed"; a
# run that dies before it counts as one failure more.
PYTHON_PKGS=(python3-django python3-psycopg2 python3-psycopg python3-yaml python3-werkzeug gunicorn
	pgbouncer chromium prometheus-postgres-exporter fonts-dejavu-core)

# install_missing LAYER PKG...: apt-get install the packages dpkg does not
# list as installed.  Packaged services are not started meanwhile (a
# policy-rc.d of our own, when the machine has none): the python layer
# starts its own pgbouncer and exporter, on ports of their own.
install_missing() {
	local layer=$1 p status sudo=() missing=() policy=/usr/sbin/policy-rc.d ours='' rc
	shift
	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$status" = "install ok installed" ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "$layer: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null &&
			"${sudo[@]}" chmod 755 "$policy" && ours=1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
		-o DPkg::Lock::Timeout=600 &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			-o DPkg::Lock::Timeout=600 \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			"${missing[@]}" </dev/null
	rc=$?
	[ -z "$ours" ] || "${sudo[@]}" rm -f "$policy"
	return "$rc"
}

# python_count LOG PREFIX RC: "passed failed" from the last "PREFIX: N
# passed, N failed" line of LOG; none, or a non-zero exit with nothing
# failed, counts as one failure more.
python_count() {
	perl -e '
		my ($log, $prefix, $rc) = @ARGV;
		my ($p, $f);
		open my $fh, "<", $log or die "$log: $!";
		while (<$fh>) {
			($p, $f) = ($1, $2) if /^\Q$prefix\E: (\d+) passed, (\d+) failed/;
		}
		if (!defined $p) { ($p, $f) = (0, 1) }
		elsif ($rc != 0 && $f == 0) { $f = 1 }
		print "$p $f\n";
	' "$@"
}

if [ -n "${WANT[python]:-}" ]; then
	banner python
	mkdir -p "$RUN/python"
	py_pass=0 py_fail=0
	if ! install_missing python "${PYTHON_PKGS[@]}"; then
		echo "python: could not install ${PYTHON_PKGS[*]}"
		py_fail=1
	fi
	# each suite: its name (the prefix of its last line) and its script
	for py_suite in python-unit:test/python/unit/run.sh odoo:contrib/odoo/tests/run.sh \
		python-e2e:test/python/e2e/run.sh; do
		py_name=${py_suite%%:*} py_run=${py_suite#*:}
		if [ ! -f "$py_run" ]; then
			echo "$py_name: no $py_run"
			py_fail=$((py_fail + 1))
			continue
		fi
		log="$RUN/python/$py_name.log"
		timeout -k 30 "$LAYER_TIMEOUT" bash "$py_run" 2>&1 9<&- </dev/null | tee "$log"
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 124 ] && echo "$py_name: timed out after ${LAYER_TIMEOUT}s"
		counts=$(python_count "$log" "$py_name" "$rc") || counts="0 1"
		read -r p f <<<"$counts"
		py_pass=$((py_pass + p)) py_fail=$((py_fail + f))
	done
	report python "$py_pass" "$py_fail"
fi

# --- fuzz -------------------------------------------------------------------
# No database: the cluster and the lock go back before the fuzzing starts.
release_cluster
FUZZ_DIR=$REPO/test/fuzz
FUZZ_PKGS=(clang libclang-rt-dev postgresql-server-dev-15 libssl-dev make)

# fuzz_run NAME: replay harness NAME's seed corpus, then fuzz it for
# FUZZ_SECONDS, growing .run/fuzz/NAME/corpus (the seeds are only read);
# crash inputs land in .run/fuzz/NAME/artifacts/, output in
# .run/fuzz/NAME/log.  Exit status 0 when nothing was found.
fuzz_run() {
	local out="$RUN/fuzz/$1" rc=0
	local bin="$FUZZ_DIR/build/$1" seeds="$FUZZ_DIR/corpus/$1"
	local opts=(-timeout=10 -rss_limit_mb=2048 -detect_leaks=1
		-artifact_prefix="$out/artifacts/")
	local dirs=("$out/corpus")
	rm -rf "$out/artifacts" "$out/log"
	mkdir -p "$out/artifacts" "$out/corpus"
	[ -d "$seeds" ] && dirs+=("$seeds")
	# leak checking whatever the caller's ASAN_OPTIONS; -jobs logs in $out
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1"
	cd "$out" || return 2
	{
		if [ -d "$seeds" ]; then
			echo "--- replay of ${seeds#"$REPO"/}"
			timeout -k 30 "$LAYER_TIMEOUT" "$bin" "${opts[@]}" -runs=0 "$seeds"
			rc=$?
		else
			echo "--- no seed corpus ${seeds#"$REPO"/}"
		fi
		if [ "$rc" -eq 0 ] && [ "$FUZZ_SECONDS" -gt 0 ]; then
			echo "--- fuzzing for ${FUZZ_SECONDS}s"
			# shellcheck disable=SC2086  # FUZZ_FLAGS is a word list
			timeout -k 30 "$LAYER_TIMEOUT" "$bin" "${opts[@]}" -max_len=4096 \
				-max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
				${FUZZ_FLAGS:-} "${dirs[@]}"
			rc=$?
		fi
		[ "$rc" -eq 124 ] && echo "timed out after ${LAYER_TIMEOUT}s"
		echo "--- exit status $rc"
		exit "$rc"
	} >"$out/log" 2>&1 </dev/null
}

# fuzz_summary NAME RC: one line for a harness; on failure, the input that
# failed and the report (from the first sign of trouble in the log).
fuzz_summary() {
	local name=$1 rc=$2 out="$RUN/fuzz/$1" f stats
	stats=$(awk '
		/^stat::number_of_executed_units:/ { runs = $2 }
		/^stat::average_exec_per_sec:/ { eps = $2 }
		/ cov: / { for (i = 1; i < NF; i++) if ($i == "cov:") cov = $(i + 1) }
		END {
			if (runs != "") printf "%s runs, %s exec/s, ", runs, eps
			if (cov != "") printf "cov %s", cov
		}' "$out/log")
	if [ "$rc" -eq 0 ]; then
		echo "$name: ok (${stats:-corpus replayed})"
		return
	fi
	echo "$name: FAILED (exit status $rc${stats:+; $stats})"
	for f in "$out"/artifacts/*; do
		[ -e "$f" ] || continue
		echo "$name: input that failed: ${f#"$REPO"/}"
		echo "$name: to reproduce it (full allocation stacks):" \
			"ASAN_OPTIONS=fast_unwind_on_malloc=0 test/fuzz/build/$name ${f#"$REPO"/}"
	done
	echo "----- ${out#"$REPO"/}/log -----"
	awk '
		!on && /==[0-9]+==ERROR|runtime error:|check failed:|^TRAP:|^fuzz: |ERROR: libFuzzer|deadly signal|^timed out/ { on = 1 }
		on { print; if (++n >= 200) exit }
		{ tail[NR % 60] = $0 }
		END { if (!on) for (i = NR - 59; i <= NR; i++) if (i > 0) print tail[i % 60] }
	' "$out/log"
	echo "----- end of log -----"
}

if [ -n "${WANT[fuzz]:-}" ]; then
	banner fuzz
	mkdir -p "$RUN/fuzz"
	harnesses=() unknown=0
	if install_missing fuzz "${FUZZ_PKGS[@]}"; then
		# shellcheck disable=SC2207  # one word per harness
		known=($(make --no-print-directory -s -C "$FUZZ_DIR" print-harnesses))
		if [ ${#SEL_FUZZ[@]} -eq 0 ]; then
			harnesses=("${known[@]}")
		else
			for h in "${SEL_FUZZ[@]}"; do
				if [[ " ${known[*]} " == *" $h "* ]]; then
					harnesses+=("$h")
				else
					echo "fuzz: test/fuzz/$h.c is not a harness (they are: ${known[*]})"
					unknown=$((unknown + 1))
				fi
			done
		fi
		if [ ${#harnesses[@]} -eq 0 ] && [ "$unknown" -eq 0 ]; then
			echo "no fuzz harness in test/fuzz/Makefile"
		fi
	else
		echo "fuzz: could not install ${FUZZ_PKGS[*]}"
		unknown=1
	fi
	if [ ${#harnesses[@]} -eq 0 ]; then
		report fuzz 0 "$unknown"
	elif ! make --no-print-directory -s -C "$FUZZ_DIR" -j"$(nproc)" \
		PG_CONFIG="$PGBIN/pg_config" "${harnesses[@]/#/build/}" 2>&1 |
		tee "$RUN/fuzz/build.log"; then
		echo "fuzz: the build failed (log: ${RUN#"$REPO"/}/fuzz/build.log)"
		report fuzz 0 $((${#harnesses[@]} + unknown))
	else
		echo "fuzz: ${harnesses[*]}: seed corpus, then ${FUZZ_SECONDS}s each, side by side"
		declare -A fuzz_pid=()
		for h in "${harnesses[@]}"; do
			fuzz_run "$h" &
			fuzz_pid[$h]=$!
		done
		pass=0 fail=$unknown
		for h in "${harnesses[@]}"; do
			wait "${fuzz_pid[$h]}"
			rc=$?
			fuzz_summary "$h" "$rc"
			if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
		done
		report fuzz "$pass" "$fail"
	fi
fi

finish
