/*-------------------------------------------------------------------------
 *
 * fuzz_stubs.c
 *	  The backend symbols the objects under test refer to, for linking them
 *	  into a standalone fuzzer.
 *
 * palloc, pfree, psprintf, pstrdup, StringInfo and the snprintf and
 * strcasecmp family are PostgreSQL's own, from libpgcommon and libpgport
 * (their frontend builds: palloc is malloc, so AddressSanitizer and its
 * leak checker see every allocation).  What is left is only reached from
 * SQL-callable functions, or would be a broken contract: the parsers and
 * verifiers never raise, use SPI or look at the clock.  Each of those
 * stubs therefore aborts, which libFuzzer reports as a crash with the
 * input that led there.  ExceptionalCondition makes Assert (the harnesses
 * are built with USE_ASSERT_CHECKING) abort the same way.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "config.h"
#include "webhook.h"

#undef fprintf

/* unreachable: name a backend function the code under test must not call */
static void
unreachable(const char *fn)
{
	fprintf(stderr, "fuzz: backend function %s called from a function that "
			"must not raise, use SPI or read the clock\n", fn);
	abort();
}

void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	fprintf(stderr, "TRAP: %s(\"%s\", File: \"%s\", Line: %d)\n",
			errorType, conditionName, fileName, lineNumber);
	abort();
}

/* elog.h: any ereport or elog */
bool
errstart(int elevel, const char *domain)
{
	unreachable("errstart (ereport/elog)");
	return false;
}

bool
errstart_cold(int elevel, const char *domain)
{
	unreachable("errstart_cold (ereport/elog)");
	return false;
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	unreachable("errfinish");
}

int
errcode(int sqlerrcode)
{
	unreachable("errcode");
	return 0;
}

int
errmsg(const char *fmt,...)
{
	unreachable("errmsg");
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	unreachable("errmsg_internal");
	return 0;
}

int
errdetail(const char *fmt,...)
{
	unreachable("errdetail");
	return 0;
}

int
errhint(const char *fmt,...)
{
	unreachable("errhint");
	return 0;
}

/* SPI */
int
SPI_connect(void)
{
	unreachable("SPI_connect");
	return 0;
}

int
SPI_finish(void)
{
	unreachable("SPI_finish");
	return 0;
}

int
SPI_execute_with_args(const char *src, int nargs, Oid *argtypes,
					  Datum *Values, const char *Nulls,
					  bool read_only, long tcount)
{
	unreachable("SPI_execute_with_args");
	return 0;
}

const char *
SPI_result_code_string(int code)
{
	unreachable("SPI_result_code_string");
	return NULL;
}

/* catalog lookups, datatypes, encodings */
Oid
get_func_namespace(Oid funcid)
{
	unreachable("get_func_namespace");
	return InvalidOid;
}

char *
get_namespace_name(Oid nspid)
{
	unreachable("get_namespace_name");
	return NULL;
}

Oid
get_fn_expr_argtype(FmgrInfo *flinfo, int argnum)
{
	unreachable("get_fn_expr_argtype");
	return InvalidOid;
}

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	unreachable("pg_detoast_datum_packed");
	return NULL;
}

char *
pg_server_to_any(const char *s, int len, int encoding)
{
	unreachable("pg_server_to_any");
	return NULL;
}

const char *
quote_identifier(const char *ident)
{
	unreachable("quote_identifier");
	return NULL;
}

char *
text_to_cstring(const text *t)
{
	unreachable("text_to_cstring");
	return NULL;
}

const char *
timestamptz_to_str(TimestampTz t)
{
	unreachable("timestamptz_to_str");
	return NULL;
}

/* src/config.c: the provider cache (webhook_add_certificate's URL check) */
WebhookConfig *
WebhookConfigGet(void)
{
	unreachable("WebhookConfigGet");
	return NULL;
}

/* src/schemes/paypal.c: the scheme's entry, which that check compares with */
const WebhookSchemeInfo webhook_scheme_paypal = {.name = "paypal"};

/* src/webhook.c: the clock */
TimestampTz
WebhookNow(void)
{
	unreachable("WebhookNow");
	return 0;
}

TimestampTz
WebhookUnixToTimestamp(int64 t)
{
	unreachable("WebhookUnixToTimestamp");
	return 0;
}

int64
WebhookTimestampToUnix(TimestampTz t)
{
	unreachable("WebhookTimestampToUnix");
	return 0;
}
