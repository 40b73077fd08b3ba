#!/usr/bin/env bash
# test/upgrade/run.sh: the upgrade path from 0.1.0 to this version, as TAP
# (scripts/test.sh runs it through prove; one test line per check).
#
# For each of two installs, the extension in public (CREATE EXTENSION
# webhook VERSION '0.1.0') and in a schema of its own (CREATE SCHEMA pay;
# ... SCHEMA pay VERSION '0.1.0'):
#
#   1. a fresh database gets 0.1.0 and test/upgrade/fill.sql's rows, then
#      ALTER EXTENSION webhook UPDATE; its version must be default_version
#      of webhook.control;
#   2. another fresh database gets CREATE EXTENSION webhook (that version);
#   3. the two must be equal in
#        dump      pg_dump --schema-only --binary-upgrade, normalised: the
#                  only dump that writes out an extension's member objects
#                  (every table, column, default, constraint, index,
#                  trigger, function, view, sequence, owner, grant and
#                  comment); the OIDs, relfilenodes, xids and sequence
#                  positions it records are masked (positions are data:
#                  step 4), and so are what ALTER TABLE leaves that no
#                  query can see: dropped columns, and the value old rows
#                  read for a column added with a default;
#        members   the extension's row (schema, relocatable, version,
#                  config tables and their filters) and its member list
#                  from pg_depend, by pg_describe_object;
#        grants    the ACL of every member and member column, and
#                  pg_init_privs;
#        comments  every comment on an object of the database (pg_description);
#        seeds     the rows of the member tables that are not configuration
#                  tables (currencies, event actions): CREATE EXTENSION
#                  writes them, so an upgrade must write the same;
#   4. the filled rows survived (test/upgrade/snapshot.sql before and after
#      the update), a new signed Stripe delivery applies, the parked event
#      is applied when its payment is inserted, and a per-payment secret
#      still verifies its payment's events.
#
# Last, the comparisons are shown to fail: a copy of a fresh database gets
# an extra member table, a changed column default, a grant, a comment and
# a changed seeded row, and each comparison must report its difference.
#
# Databases webhook_upgrade_* are created afresh on the cluster of
# scripts/env.sh (kept afterwards for psql); files land in .run/upgrade/.
# A failed check prints its diff or error as "# " lines on stderr.
# shellcheck disable=SC2317  # the checks are functions called through check
set -uo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/env.sh"
cd "$REPO" || exit 2

HERE=$REPO/test/upgrade
OUT=$REPO/.run/upgrade
FROM=0.1.0
TO=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" webhook.control)
rm -rf "$OUT"
mkdir -p "$OUT"

PLAN=$((13 * 2 + 5))
echo "1..$PLAN"
N=0
FAILED=0

# check NAME CMD...: run CMD (a function of this file) as one TAP test.
# Its output is shown, as "# " lines on stderr, only when it fails.
check() {
	local name=$1 log
	shift
	N=$((N + 1))
	log="$OUT/check-$N.log"
	if "$@" >"$log" 2>&1; then
		echo "ok $N - $name"
	else
		echo "not ok $N - $name"
		FAILED=$((FAILED + 1))
		head -n 400 "$log" | sed 's/^/# /' >&2
		[ "$(wc -l <"$log")" -le 400 ] || echo "# ... the rest is in ${log#"$REPO"/}" >&2
	fi
}

# sql DB: run stdin in DB, tuples only, unaligned; stop at the first error.
sql() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1"
}

# recreate DB: drop DB if it exists and create it empty.
recreate() {
	psql -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c 'SET client_min_messages = warning' \
		-c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" \
		-c "CREATE DATABASE $1"
}

# expect WHAT GOT WANT: fail, saying both, unless GOT is WANT.
expect() {
	[ "$2" = "$3" ] && return 0
	printf '%s:\n  got:  %s\n  want: %s\n' "$1" "$2" "$3"
	return 1
}

# --- what is compared -------------------------------------------------------
# Each describe_KIND DB prints one canonical text; compare diffs two.

describe_dump() {
	pg_dump --schema-only --binary-upgrade -d "$1" >"$OUT/$1.dump.raw" || return 1
	perl -0777 -pe '
		s/^\\(?:un)?restrict \S+\n//mg;
		s/^-- Dumped (?:from|by) .*\n//mg;
		s/^-- For binary upgrade, must preserve .*\n//mg;
		s/^SELECT pg_catalog\.binary_upgrade_set_next_\w+\(.*\);\n//mg;
		s/(binary_upgrade_create_empty_extension\((?:[^,]*, ){4})(?:\x27\{[0-9,]*\}\x27|NULL)/$1<extconfig>/g;
		s/relfrozenxid = \x27\d+\x27, relminmxid = \x27\d+\x27/relfrozenxid = <xid>, relminmxid = <mxid>/g;
		s/^WHERE oid = \x27\d+\x27;/WHERE oid = <oid>;/mg;
		s/^(SELECT pg_catalog\.setval\(\x27[^\x27]+\x27), \d+, (?:true|false)\);/$1, <value>);/mg;
		s/^-- For binary upgrade, recreate dropped column\.\n(?:.*\n)*?ALTER TABLE ONLY .* DROP COLUMN "\.{8}pg\.dropped\.\d+\.{8}";\n//mg;
		s/^\s*"\.{8}pg\.dropped\.\d+\.{8}" .*\n//mg;
		s/^-- set missing value\.\nSELECT pg_catalog\.binary_upgrade_set_missing_value\(.*\);\n//mg;
		s/,(\n\))/$1/g;
		s/\n{3,}/\n\n/g;
	' "$OUT/$1.dump.raw"
}

describe_members() {
	sql "$1" <<-'EOF'
	SET search_path = pg_catalog;
	SELECT 'extension ' || e.extname || ' schema ' || n.nspname || ' relocatable ' || e.extrelocatable
	       || ' version ' || e.extversion
	  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'webhook';
	SELECT 'config ' || c::regclass::text || ' ' || quote_literal(w)
	  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, w)
	 WHERE e.extname = 'webhook' ORDER BY 1;
	SELECT 'member ' || pg_describe_object(d.classid, d.objid, d.objsubid)
	  FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
	 WHERE e.extname = 'webhook' AND d.deptype = 'e' ORDER BY 1;
	EOF
}

describe_grants() {
	sql "$1" <<-'EOF'
	SET search_path = pg_catalog;
	WITH m AS (
	    SELECT d.classid, d.objid
	      FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
	     WHERE e.extname = 'webhook' AND d.deptype = 'e')
	SELECT x FROM (
	    SELECT 'acl ' || pg_describe_object(m.classid, m.objid, 0) || ' ' || coalesce(CASE m.classid
	           WHEN 'pg_class'::regclass THEN (SELECT relacl::text FROM pg_class WHERE oid = m.objid)
	           WHEN 'pg_proc'::regclass THEN (SELECT proacl::text FROM pg_proc WHERE oid = m.objid)
	           WHEN 'pg_type'::regclass THEN (SELECT typacl::text FROM pg_type WHERE oid = m.objid)
	           WHEN 'pg_namespace'::regclass THEN (SELECT nspacl::text FROM pg_namespace WHERE oid = m.objid)
	           WHEN 'pg_language'::regclass THEN (SELECT lanacl::text FROM pg_language WHERE oid = m.objid)
	           END, '(default)') AS x
	      FROM m
	    UNION ALL
	    SELECT 'acl ' || pg_describe_object('pg_class'::regclass, a.attrelid, a.attnum) || ' ' || a.attacl::text
	      FROM m JOIN pg_attribute a ON m.classid = 'pg_class'::regclass AND a.attrelid = m.objid
	     WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
	    UNION ALL
	    SELECT 'init ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' ' || i.privtype::text
	           || ' ' || i.initprivs::text
	      FROM pg_init_privs i WHERE i.objoid >= 16384) a
	 ORDER BY 1;
	EOF
}

describe_comments() {
	sql "$1" <<-'EOF'
	SET search_path = pg_catalog;
	SELECT pg_describe_object(classoid, objoid, objsubid) || ': ' || description
	  FROM pg_description WHERE objoid >= 16384 ORDER BY 1;
	EOF
}

describe_seeds() {
	sql "$1" <<-'EOF'
	SET search_path = pg_catalog;
	SELECT format('SELECT %L || %L || t::text FROM %s t ORDER BY 1', c.oid::regclass, ' ', c.oid::regclass)
	  FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
	  JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
	 WHERE e.extname = 'webhook' AND d.deptype = 'e' AND c.relkind = 'r'
	   AND c.oid <> ALL (coalesce(e.extconfig, '{}'))
	 ORDER BY c.relname
	\gexec
	EOF
}

# The fewest lines a description of a 0.1.0 install has, so that a query
# that finds nothing (a wrong extension name, a wrong catalog) fails too.
declare -A MIN_LINES=([dump]=1000 [members]=50 [grants]=50 [comments]=40 [seeds]=150)

# described KIND DB: describe_KIND DB into $OUT/DB.KIND, checked for size.
described() {
	local f="$OUT/$2.$1" n
	"describe_$1" "$2" >"$f" || { echo "could not describe the $1 of $2"; return 1; }
	n=$(wc -l <"$f")
	if [ "$n" -lt "${MIN_LINES[$1]}" ]; then
		echo "the $1 of $2 has $n lines, fewer than the ${MIN_LINES[$1]} any install has (${f#"$REPO"/})"
		return 1
	fi
}

# compare KIND A B: pass when the KIND of A and B are equal; the diff, on
# failure, is in $OUT/A-B.KIND.diff and printed.
compare() {
	local kind=$1 a=$2 b=$3 d
	d="$OUT/$a-$b.$kind.diff"
	described "$kind" "$a" || return 1
	described "$kind" "$b" || return 1
	if diff -u --label "$a" --label "$b" "$OUT/$a.$kind" "$OUT/$b.$kind" >"$d"; then
		return 0
	fi
	echo "the $kind of $a (updated from $FROM) and of $b (installed fresh) differ:"
	cat "$d"
	return 1
}

# differs KIND A B PATTERN...: pass when compare fails and its diff shows
# every PATTERN (an extended regex) on a changed line.
differs() {
	local kind=$1 a=$2 b=$3 d p
	shift 3
	d="$OUT/$a-$b.$kind.diff"
	if compare "$kind" "$a" "$b" >/dev/null; then
		echo "the $kind comparison found no difference between $a and $b"
		return 1
	fi
	[ -s "$d" ] || { echo "the $kind comparison failed without a diff"; return 1; }
	for p in "$@"; do
		if ! grep -E '^[-+][^-+]' "$d" | grep -Eq -- "$p"; then
			echo "the $kind diff of $a and $b does not show /$p/:"
			cat "$d"
			return 1
		fi
	done
}

# --- the steps of one install -----------------------------------------------

# fill_old: $OLD gets $FROM in $SCHEMA, then fill.sql; the snapshot before.
fill_old() {
	local create="CREATE EXTENSION webhook VERSION '$FROM'" got
	recreate "$OLD" || return 1
	if [ "$SCHEMA" != public ]; then
		create="CREATE SCHEMA $SCHEMA; CREATE EXTENSION webhook SCHEMA $SCHEMA VERSION '$FROM'"
	fi
	echo "$create;" | sql "$OLD" || return 1
	got=$(echo "SELECT extversion || ' ' || extnamespace::regnamespace FROM pg_extension WHERE extname = 'webhook';" | sql "$OLD")
	expect "$OLD: the version and schema" "$got" "$FROM $SCHEMA" || return 1
	psql -X -q -v ON_ERROR_STOP=1 -d "$OLD" -f "$HERE/fill.sql" >"$OUT/$OLD.fill.log" 2>&1 ||
		{ echo "fill.sql failed in $OLD:"; cat "$OUT/$OLD.fill.log"; return 1; }
	psql -X -q -v ON_ERROR_STOP=1 -d "$OLD" -f "$HERE/snapshot.sql" >"$OUT/$OLD.before" || return 1
	FILLED=1
}

# update_old: ALTER EXTENSION webhook UPDATE in $OLD; the version after.
update_old() {
	local got
	[ -n "$FILLED" ] || { echo "not run: $OLD was not filled"; return 1; }
	echo "ALTER EXTENSION webhook UPDATE;" | sql "$OLD" || return 1
	got=$(echo "SELECT extversion FROM pg_extension WHERE extname = 'webhook';" | sql "$OLD")
	expect "$OLD: the version after ALTER EXTENSION webhook UPDATE" "$got" "$TO" || return 1
	UPDATED=1
}

# install_new: $NEW gets CREATE EXTENSION webhook, no version named.
install_new() {
	local create="CREATE EXTENSION webhook" got
	recreate "$NEW" || return 1
	[ "$SCHEMA" = public ] || create="CREATE SCHEMA $SCHEMA; CREATE EXTENSION webhook SCHEMA $SCHEMA"
	echo "$create;" | sql "$NEW" || return 1
	got=$(echo "SELECT extversion || ' ' || extnamespace::regnamespace FROM pg_extension WHERE extname = 'webhook';" | sql "$NEW")
	expect "$NEW: the version and schema" "$got" "$TO $SCHEMA" || return 1
	INSTALLED=1
}

# same KIND: the KIND of $OLD and $NEW are equal.
same() {
	[ -n "$UPDATED" ] || { echo "not run: $OLD was not updated"; return 1; }
	[ -n "$INSTALLED" ] || { echo "not run: $NEW was not installed"; return 1; }
	compare "$1" "$OLD" "$NEW"
}

# data_kept: snapshot.sql after the update prints what it printed before.
data_kept() {
	local t
	[ -n "$UPDATED" ] || { echo "not run: $OLD was not updated"; return 1; }
	psql -X -q -v ON_ERROR_STOP=1 -d "$OLD" -f "$HERE/snapshot.sql" >"$OUT/$OLD.after" || return 1
	for t in providers secrets certificates orders payments events deliveries refunds; do
		if ! grep -q "^webhook_$t|" "$OUT/$OLD.before"; then
			echo "the snapshot before the update has no row of webhook_$t"
			return 1
		fi
	done
	diff -u --label "before the update" --label "after the update" "$OUT/$OLD.before" "$OUT/$OLD.after"
}

# ingest_after: a new Stripe delivery, signed with the rotated secret,
# captures PAY-S2 and pays its order.
ingest_after() {
	local got
	[ -n "$UPDATED" ] || { echo "not run: $OLD was not updated"; return 1; }
	got=$(sql "$OLD" <<-'EOF'
	\set body '{"id":"evt_after_1","object":"event","type":"payment_intent.succeeded","created":1721950000,"data":{"object":{"id":"pi_fill_s2","object":"payment_intent","amount":1099,"currency":"eur","metadata":{"reference":"PAY-S2"}}}}'
	SELECT concat_ws(' ', r ->> 'http_status', r ->> 'outcome', r ->> 'event_status',
	                 r -> 'payment' ->> 'state', r -> 'order' ->> 'state')
	  FROM webhook_ingest('stripe', jsonb_build_object('Stripe-Signature', webhook_sign_stripe(:'body', 'whsec_fill_new')),
	                      :'body') r;
	SELECT concat_ws(' ', p.state, p.amount_captured = 10.99, o.state, o.amount_paid = 10.99, e.status)
	  FROM webhook_payments p JOIN webhook_orders o ON o.ref = p.order_ref
	  JOIN webhook_events e ON e.payment_id = p.id AND e.event_id = 'evt_after_1'
	 WHERE p.reference = 'PAY-S2';
	EOF
	) || return 1
	expect "the reply, then PAY-S2, SO-S2 and the event" "${got//$'\n'/ }" \
		"200 applied applied captured paid captured t paid t applied"
}

# parked_after: evt_fill_park, parked by 0.1.0, is applied by the insert of
# its payment after the update.
parked_after() {
	local got
	[ -n "$UPDATED" ] || { echo "not run: $OLD was not updated"; return 1; }
	got=$(sql "$OLD" <<-'EOF'
	SELECT status FROM webhook_events WHERE event_id = 'evt_fill_park';
	INSERT INTO webhook_payments (provider, reference, external_id, order_ref, amount, currency)
	VALUES ('stripe', 'PAY-PARK', 'pi_fill_park', 'SO-PARK', 15.00, 'EUR');
	SELECT concat_ws(' ', e.status, p.state, p.amount_captured = 15, o.state)
	  FROM webhook_events e JOIN webhook_payments p ON p.id = e.payment_id
	  JOIN webhook_orders o ON o.ref = p.order_ref
	 WHERE e.event_id = 'evt_fill_park';
	EOF
	) || return 1
	expect "the event before, then the event, PAY-PARK and SO-PARK after the insert" "${got//$'\n'/ }" \
		"unmatched applied captured t paid"
}

# secret_after: order-V1's own secret (0.1.0's row) verifies its last capture.
secret_after() {
	local got
	[ -n "$UPDATED" ] || { echo "not run: $OLD was not updated"; return 1; }
	got=$(sql "$OLD" <<-'EOF'
	SELECT concat_ws(' ', r ->> 'http_status', r ->> 'outcome', r -> 'payment' ->> 'state')
	  FROM (SELECT jsonb_build_object('msn', '123456', 'reference', 'order-V1', 'pspReference', 'psp-3',
	               'name', 'CAPTURED', 'amount', jsonb_build_object('currency', 'NOK', 'value', 15000),
	               'timestamp', '2026-01-02T12:00:00.000Z', 'success', true)::text AS b) x,
	       LATERAL webhook_ingest('vipps', webhook_sign_vipps(x.b, 'vipps-secret-of-order-V1', '/hooks/vipps',
	                              'shop.example.com'), x.b, '/hooks/vipps') r;
	SELECT concat_ws(' ', d.secret_id = s.id, p.amount_captured = 350)
	  FROM webhook_deliveries d, webhook_secrets s, webhook_payments p
	 WHERE d.id = (SELECT max(id) FROM webhook_deliveries)
	   AND s.payment_reference = 'order-V1' AND p.reference = 'order-V1';
	EOF
	) || return 1
	expect "the reply, then whether that secret verified it and order-V1 captured 350" "${got//$'\n'/ }" \
		"200 applied captured t t"
}

# outbox_after: a worker subscribed after the update gets the messages of
# a hand change (PAY-PARK refunded, its order with it), and claims them.
outbox_after() {
	local got
	[ -n "$UPDATED" ] || { echo "not run: $OLD was not updated"; return 1; }
	got=$(sql "$OLD" <<-'EOF'
	SELECT webhook_subscribe('upgrade_worker') IS NOT NULL;
	UPDATE webhook_payments SET state = 'refunded', amount_refunded = 15 WHERE reference = 'PAY-PARK';
	SELECT string_agg(concat_ws(' ', topic, payload -> 'payment' ->> 'reference', payload -> 'order' ->> 'state'), ', ' ORDER BY id)
	  FROM webhook_outbox WHERE consumer = 'upgrade_worker';
	SELECT string_agg(topic, ', ' ORDER BY id) FROM webhook_outbox_claim('upgrade_worker');
	EOF
	) || return 1
	expect "the messages, then the claim" "${got//$'\n'/ }" \
		"t payment.refunded PAY-PARK refunded, order.refunded PAY-PARK refunded payment.refunded"
}

# install VARIANT SCHEMA: every check of one install.
install() {
	local v=$1
	SCHEMA=$2 OLD=webhook_upgrade_${1}_updated NEW=webhook_upgrade_${1}_fresh
	FILLED='' UPDATED='' INSTALLED=''
	export PGOPTIONS="-c search_path=$SCHEMA"
	check "$v: $FROM installs and test/upgrade/fill.sql fills it" fill_old
	check "$v: ALTER EXTENSION webhook UPDATE takes it to $TO" update_old
	check "$v: CREATE EXTENSION webhook installs $TO" install_new
	check "$v: the schema dumps are equal" same dump
	check "$v: the extension rows and member lists are equal" same members
	check "$v: the grants are equal" same grants
	check "$v: the comments are equal" same comments
	check "$v: the seeded tables are equal" same seeds
	check "$v: the filled rows survived the update" data_kept
	check "$v: a new signed Stripe delivery applies after the update" ingest_after
	check "$v: a parked event is applied when its payment is inserted after the update" parked_after
	check "$v: a per-payment secret still verifies after the update" secret_after
	check "$v: the outbox works after the update" outbox_after
	unset PGOPTIONS
}

install public public
install pay pay

# --- the comparisons notice a difference ------------------------------------
# A copy of public's fresh install, changed after the fact as a forgotten
# line of an upgrade script would leave it.
TAMPERED=webhook_upgrade_tampered
FRESH=webhook_upgrade_public_fresh
tamper() {
	psql -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c 'SET client_min_messages = warning' \
		-c "DROP DATABASE IF EXISTS $TAMPERED WITH (FORCE)" \
		-c "CREATE DATABASE $TAMPERED TEMPLATE $FRESH" || return 1
	sql "$TAMPERED" <<-'EOF'
	CREATE TABLE public.webhook_x (a int);
	ALTER EXTENSION webhook ADD TABLE public.webhook_x;
	ALTER TABLE public.webhook_orders ALTER COLUMN state SET DEFAULT 'changed';
	GRANT SELECT ON public.webhook_orders TO PUBLIC;
	COMMENT ON TABLE public.webhook_orders IS 'changed after the install';
	UPDATE public.webhook_currencies SET exponent = 3 WHERE code = 'EUR';
	EOF
}
if tamper >"$OUT/tamper.log" 2>&1; then
	TAMPER_OK=1
else
	TAMPER_OK=
	sed 's/^/# /' "$OUT/tamper.log" >&2
fi
# noticed KIND PATTERN...: differs, once the copy exists.
noticed() {
	[ -n "$TAMPER_OK" ] || { echo "not run: $TAMPERED could not be made"; return 1; }
	differs "$@"
}
check "the dump comparison notices an added table and a changed default" \
	noticed dump "$TAMPERED" "$FRESH" 'CREATE TABLE public\.webhook_x' "state text DEFAULT 'changed'"
check "the member comparison notices an added member" \
	noticed members "$TAMPERED" "$FRESH" '^.member table public\.webhook_x$'
check "the grant comparison notices a grant" \
	noticed grants "$TAMPERED" "$FRESH" '^.acl table public\.webhook_orders .*=r/'
check "the comment comparison notices a comment" \
	noticed comments "$TAMPERED" "$FRESH" 'changed after the install'
check "the seed comparison notices a changed row" \
	noticed seeds "$TAMPERED" "$FRESH" '\(EUR,3\)'

[ "$N" -eq "$PLAN" ] || echo "# ran $N checks, planned $PLAN" >&2
exit $((FAILED > 254 ? 254 : FAILED))
