# gatehouse — one GNU Makefile.
#   make                              build/gatehouse
#   make SANITIZE=address,undefined   the same under ASan + UBSan
#   make unit                         build/unit (unit tests beside each module)
#   make test                         every test tier (scripts/test.sh)
#   make format                       clang-format every C file
#   make deb                          the Debian package, in build/deb/ (scripts/deb.sh)

PKGS    := libmicrohttpd libcrypto jansson sqlite3 libpq libargon2 libcurl libcbor libqrencode
CC      ?= cc
OPT     ?= -O2
SANITIZE ?=
WARN    := -Wall -Wextra -Werror -Wconversion -Wstrict-prototypes -Wvla -Wwrite-strings \
           -Wno-sign-conversion
# CPPFLAGS, CFLAGS and LDFLAGS from the environment (dpkg-buildflags' hardening
# flags when debian/rules builds the package) come last.
CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) -Isrc -fno-omit-frame-pointer \
           $(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDLIBS  := $(shell pkg-config --libs $(PKGS)) -lpthread -lm
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=$(SANITIZE)
endif
VARIANT := $(if $(SANITIZE),san,rel)
OBJDIR  := build/obj-$(VARIANT)
# The version, in one place: the first entry of debian/changelog (a native
# package: the Debian version is gatehouse's), and that entry's date.
VERSION      := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
VERSION_DATE := $(shell date -u -d "$$(sed -n 's/^ -- .*>  //p' debian/changelog | head -n 1)" \
                  +%Y-%m-%d 2>/dev/null)

SRCS     := $(sort $(wildcard src/*/*.c src/*/*/*.c))
TESTSRCS := $(filter %_test.c,$(SRCS))
LIBSRCS  := $(filter-out %_test.c src/cli/main.c,$(SRCS))
ASSETS   := $(sort $(wildcard src/app/static/*))
AS_ASSETS := $(sort $(wildcard src/oauth/static/*))
SCHEMAS  := $(sort $(wildcard src/store/schema/*.sql))
LIBOBJS  := $(LIBSRCS:%.c=$(OBJDIR)/%.o) $(OBJDIR)/assets.o $(OBJDIR)/schemas.o \
            $(OBJDIR)/as_assets.o
TESTOBJS := $(TESTSRCS:%.c=$(OBJDIR)/%.o) $(OBJDIR)/tests/unit_main.o

.PHONY: all unit test format clean diagram docs man deb
all: build/gatehouse

build/gatehouse: $(LIBOBJS) $(OBJDIR)/src/cli/main.o build/.variant-$(VARIANT)
	$(CC) $(LDFLAGS) -o $@ $(LIBOBJS) $(OBJDIR)/src/cli/main.o $(LDLIBS)

build/unit: $(LIBOBJS) $(TESTOBJS) build/.variant-$(VARIANT)
	$(CC) $(LDFLAGS) -o $@ $(LIBOBJS) $(TESTOBJS) $(LDLIBS)

unit: build/unit

# The binary is relinked when the variant changes.
build/.variant-$(VARIANT):
	@mkdir -p build && rm -f build/.variant-* && touch $@

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# --version and the man page carry the version
$(OBJDIR)/src/cli/help.o $(OBJDIR)/src/cli/doc.o: debian/changelog
$(OBJDIR)/src/cli/help.o $(OBJDIR)/src/cli/doc.o: CFLAGS += -DGH_VERSION='"$(VERSION)"' \
	-DGH_DATE='"$(VERSION_DATE)"'

# gatehouse(1) and the bash completion, printed by the binary from its own
# command and option tables (src/cli/doc.c)
build/gatehouse.1: build/gatehouse
	build/gatehouse help --man >$@.tmp && mv $@.tmp $@

build/gatehouse.bash-completion: build/gatehouse
	build/gatehouse help --completion bash >$@.tmp && mv $@.tmp $@

man: build/gatehouse.1 build/gatehouse.bash-completion

# Frontend App assets and schema migrations are linked into the binary.
$(OBJDIR)/assets.o: scripts/embed.sh $(ASSETS)
	@mkdir -p $(OBJDIR)
	@sh scripts/embed.sh $(OBJDIR)/assets.c gh_app_assets $(ASSETS)
	@$(CC) $(CFLAGS) -c -o $@ $(OBJDIR)/assets.c

# the Authorization Server pages' script (GET /passkey.js)
$(OBJDIR)/as_assets.o: scripts/embed.sh $(AS_ASSETS)
	@mkdir -p $(OBJDIR)
	@sh scripts/embed.sh $(OBJDIR)/as_assets.c gh_as_assets $(AS_ASSETS)
	@$(CC) $(CFLAGS) -c -o $@ $(OBJDIR)/as_assets.c

$(OBJDIR)/schemas.o: scripts/embed.sh $(SCHEMAS)
	@mkdir -p $(OBJDIR)
	@sh scripts/embed.sh $(OBJDIR)/schemas.c gh_schemas $(SCHEMAS)
	@$(CC) $(CFLAGS) -c -o $@ $(OBJDIR)/schemas.c

test:
	bash scripts/test.sh

# build/deb/gatehouse_VERSION_ARCH.deb with dpkg-buildpackage (debian/); installs
# the build dependencies first when run as root
deb:
	bash scripts/deb.sh

format:
	clang-format -i $(SRCS) $(wildcard src/*/*.h src/*/*/*.h tests/*.c)

diagram: build/gatehouse
	build/gatehouse diagram --format svg --no-timings -o docs/flow.svg
	build/gatehouse trace export --flow tests/har/fixtures/example.har --format svg --no-timings \
		-o docs/flow-review.svg

docs: build/gatehouse
	build/gatehouse serve --config-reference > docs/configuration.md

clean:
	rm -rf build

-include $(shell find build -name '*.d' -type f 2>/dev/null)

# What a DPoP proof check costs beyond its signature verification (README,
# "DPoP beside Bearer"): build/bench-dpop-check
build/bench-dpop-check: bench/dpop_check.c $(LIBOBJS) build/.variant-$(VARIANT)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ bench/dpop_check.c $(LIBOBJS) $(LDLIBS)

# ---- fuzzing (docs/security.md "Hostile input") -------------------------------------
#   make fuzz    build/fuzz/<driver> for every fuzz/fuzz_*.c: libFuzzer with
#                ASan + UBSan (Debian's clang). The library is compiled
#                again with clang and -fsanitize=fuzzer-no-link into an
#                archive, so each driver links only the objects it uses.
#   fuzz/replay.sh replays the corpora; fuzz/explore.sh SECONDS fuzzes.
FUZZ_CC      := clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -O1 -g -Isrc -fno-omit-frame-pointer $(FUZZ_SAN) \
                -Wall -Wextra -Wno-sign-compare $(shell pkg-config --cflags $(PKGS))
FUZZ_OBJDIR  := build/fuzz/obj
FUZZ_LIBOBJS := $(LIBSRCS:%.c=$(FUZZ_OBJDIR)/%.o)
FUZZ_DRIVERS := $(sort $(basename $(notdir $(wildcard fuzz/fuzz_*.c))))
FUZZ_BINS    := $(FUZZ_DRIVERS:%=build/fuzz/%)

.PHONY: fuzz
fuzz: $(FUZZ_BINS)

$(FUZZ_LIBOBJS): $(FUZZ_OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/libgatehouse.a: $(FUZZ_LIBOBJS)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_BINS): build/fuzz/%: fuzz/%.c build/fuzz/libgatehouse.a
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< build/fuzz/libgatehouse.a \
		$(LDLIBS)
# ---- end of fuzzing --------------------------------------------------------

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, gatehouse(1), the
# bash completion, the systemd unit (its /usr/local paths rewritten to
# PREFIX; under /lib/systemd/system when PREFIX=/usr) and, as documentation,
# the example configuration, the contrib README and the configuration
# reference. /etc is left alone (the Debian package ships the conffile).
PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
UNITDIR := $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
DOCDIR  := $(PREFIX)/share/doc/gatehouse
MANDIR  := $(PREFIX)/share/man/man1
COMPDIR := $(PREFIX)/share/bash-completion/completions
.PHONY: install
install: build/gatehouse build/gatehouse.1 build/gatehouse.bash-completion
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR)
	install -m 0755 build/gatehouse $(DESTDIR)$(BINDIR)/gatehouse
	install -m 0644 build/gatehouse.1 $(DESTDIR)$(MANDIR)/gatehouse.1
	install -m 0644 build/gatehouse.bash-completion $(DESTDIR)$(COMPDIR)/gatehouse
	sed 's#/usr/local/#$(PREFIX)/#g' contrib/gatehouse.service > $(DESTDIR)$(UNITDIR)/gatehouse.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/gatehouse.service
	install -m 0644 contrib/gatehouse.conf.example $(DESTDIR)$(DOCDIR)/gatehouse.conf.example
	install -m 0644 contrib/README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 docs/configuration.md $(DESTDIR)$(DOCDIR)/configuration.md
