# webhook: PGXS build.  "make && make install", then see README.md.
EXTENSION = webhook
# The version CREATE EXTENSION installs: default_version in webhook.control.
EXTVERSION := $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" webhook.control)
ifeq ($(EXTVERSION),)
$(error webhook.control has no default_version = '...' line)
endif

MODULE_big = webhook
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/schemes/*.c)))
SHLIB_LINK += -lcrypto
# src/schemes/*.c include the headers of src/
PG_CPPFLAGS += -Isrc

# This version's install script, sql/webhook--$(EXTVERSION).sql, is built
# from sql/parts/: the parts numbered below 30 (the header, the tables, the
# currencies), then the seeds of each scheme (sql/parts/schemes/*.sql, in
# the order of their names), then the other parts, a blank line between
# two parts.  Git ignores the built script and make clean deletes it.
# Every other sql/webhook--*.sql is kept in git and installed as it is: the
# frozen install scripts of released versions (webhook--A.sql) and the
# upgrade scripts between versions (webhook--A--B.sql).
CURRENT_SCRIPT = sql/$(EXTENSION)--$(EXTVERSION).sql
PARTS := $(sort $(wildcard sql/parts/*.sql))
PARTS_BEFORE_SCHEMES := $(filter sql/parts/0% sql/parts/1% sql/parts/2%,$(PARTS))
SCHEME_PARTS := $(sort $(wildcard sql/parts/schemes/*.sql))
SCRIPT_PARTS = $(PARTS_BEFORE_SCHEMES) $(SCHEME_PARTS) $(filter-out $(PARTS_BEFORE_SCHEMES),$(PARTS))
ifeq ($(PARTS_BEFORE_SCHEMES),)
$(error sql/parts/ holds no part numbered below 30: the install script cannot be built)
endif
DATA = $(sort $(CURRENT_SCRIPT) $(wildcard sql/$(EXTENSION)--*.sql))
EXTRA_CLEAN = $(CURRENT_SCRIPT) $(CURRENT_SCRIPT).tmp

# A released version's frozen script is never overwritten nor cleaned: with
# default_version still naming one that git keeps, stop.
ifneq ($(shell git ls-files -- '$(CURRENT_SCRIPT)' 2>/dev/null),)
$(error $(CURRENT_SCRIPT) is the frozen script of a released version; raise default_version in webhook.control)
endif

# pg_regress: test/sql/*.sql against expected/*.out
REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test

# isolation: test/specs/iso_*.spec against expected/iso_*.out
ISOLATION = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --outputdir=.

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The directories too: a part added, removed or renamed rebuilds the script.
$(CURRENT_SCRIPT): $(SCRIPT_PARTS) sql/parts sql/parts/schemes
	awk 'FNR == 1 && NR > 1 { print "" } { print }' $(SCRIPT_PARTS) >$@.tmp
	mv $@.tmp $@

all: $(CURRENT_SCRIPT)

# PGXS does not track headers: rebuild every object when one changes.
$(OBJS): $(wildcard src/*.h src/schemes/*.h)
