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

# sql/webhook.sql is this version's install script: it is copied to
# sql/webhook--$(EXTVERSION).sql, which git ignores and make clean deletes.
# Every other sql/webhook--*.sql is kept in git and installed as it is: the
# frozen install scripts of released versions (webhook--A.sql) and the
# upgrade scripts between versions (webhook--A--B.sql).
CURRENT_SCRIPT = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(sort $(CURRENT_SCRIPT) $(wildcard sql/$(EXTENSION)--*.sql))
EXTRA_CLEAN = $(CURRENT_SCRIPT)

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

$(CURRENT_SCRIPT): sql/$(EXTENSION).sql
	cp $< $@

all: $(CURRENT_SCRIPT)

# PGXS does not track headers: rebuild every object when one changes.
$(OBJS): $(wildcard src/*.h)
