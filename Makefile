# webhook: PGXS build.  "make && make install", then see README.md.
EXTENSION = webhook
EXTVERSION = 0.1.0

MODULE_big = webhook
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
SHLIB_LINK += -lcrypto

DATA = sql/$(EXTENSION)--$(EXTVERSION).sql
EXTRA_CLEAN = sql/$(EXTENSION)--$(EXTVERSION).sql

# pg_regress: test/sql/*.sql against expected/*.out
REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test

# isolation: test/specs/iso_*.spec against expected/iso_*.out
ISOLATION = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --outputdir=.

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(DATA): sql/$(EXTENSION).sql
	cp $< $@

all: $(DATA)

# PGXS does not track headers: rebuild every object when one changes.
$(OBJS): $(wildcard src/*.h)
