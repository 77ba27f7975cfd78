# Copyright (c) 2026 the cartero authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# cartero -- top-level Makefile (non-recursive).
#
#   make run     install missing packages, build, start smtpd with etc/ config
#   make check   install missing packages, build, run the test suite (Kyua)
#   make bench   run the load generator against a temporary instance
#   make lint    clang-tidy, cppcheck and the unsafe-string-call check
#   make deb     build the Debian package: build/cartero_VERSION_ARCH.deb
#   make check-package  build it, install it as the machine's MTA, test it
#   make fuzz    run each libFuzzer target (regress/fuzz) FUZZ_SECONDS (60) s
#                (FUZZ_TARGETS="dkim spf": only those)
#   make check-asan  build everything with ASan+UBSan, run the whole suite

.DEFAULT_GOAL := all

CC	?= cc
PKGS	 = libbsd-overlay libbsd-ctor libevent libseccomp libtls libunbound \
	   libcrypto
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow \
	   -Wpointer-arith -Wmissing-prototypes -Wstrict-prototypes \
	   -Werror=implicit-function-declaration -Werror=format-security \
	   -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	   -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS
# daemon code sees every folder; common/ sees only itself (see libcommon.a)
DAEMON_INC = -I. -Icommon -Ismtpd -Ismtp -Ilka -Iqueue -Iagent -Isigner -Ibuild
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDFLAGS	+= -pie -Wl,-z,relro,-z,now
LDLIBS	+= $(PKG_LIBS) -lcrypto -lcrypt
YACC	 = byacc

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
# empty: no unit (the Debian package installs its own copy)
UNITDIR	?= /etc/systemd/system

B	 = build
# objects apart: build/smtpd and build/smtpctl are the binaries
O	 = $(B)/obj
LIB_SRCS := $(filter-out %main.c,$(wildcard smtpd/*.c smtp/*.c lka/*.c queue/*.c agent/*.c \
	    signer/*.c))
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(LIB_SRCS)) $(O)/parse.o
SMTPD_OBJS   := $(O)/smtpd/main.o
# the offline pickup (smtpd -x pickup) speaks sendmail's SMTP client
SMTPD_OBJS   += $(O)/smtpctl/enqueue_msg.o $(O)/smtpctl/enqueue_smtp.o
SMTPCTL_SRCS := $(wildcard smtpctl/*.c)
SMTPCTL_OBJS := $(patsubst %.c,$(O)/%.o,$(SMTPCTL_SRCS))
UNIT_SRCS := $(wildcard regress/unit/*_test.c)
UNIT_BINS := $(patsubst %.c,%,$(UNIT_SRCS))

# --- common/: the library of no daemon -------------------------------------
# build/libcommon.a holds common/ alone, compiled with -Icommon only: an
# #include of a daemon's header (smtpd.h, lka.h...) in common/ does not
# build.  These unit tests are built the same way and link libcommon.a
# only, which also proves the library needs nothing from a daemon.
COMMON_SRCS  := $(wildcard common/*.c)
COMMON_OBJS  := $(patsubst %.c,$(O)/%.o,$(COMMON_SRCS))
COMMON_UNITS := $(addprefix regress/unit/,imsg_test io_test io_tls_test \
		proc_test proc_child_test smtp_client_test util_test)
# AUTH: SASL and password checks (smtpd and imapd)
COMMON_UNITS += $(addprefix regress/unit/,sasl_test pwcheck_test)
# DNS answers (lka's resolver, the DANE work)
COMMON_UNITS += regress/unit/dns_test
# the shared asynchronous resolver (issue 16), without a DNS server
COMMON_UNITS += regress/unit/resolver_test
# the configuration lexer (smtpd.conf, imapd.conf)
COMMON_UNITS += regress/unit/lex_test
# DKIM (issue 16)
COMMON_UNITS += regress/unit/dkim_test
# SPF (RFC 7208): parser, macros, check_host() on a fake resolver
COMMON_UNITS += regress/unit/spf_test
# DMARC, the public suffix list, Authentication-Results (issue 16)
COMMON_UNITS += $(addprefix regress/unit/,psl_test dmarc_test authres_test)
COMMON_INC    = -Icommon

$(O)/common/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(COMMON_INC) $(PKG_CFLAGS) -c -o $@ $<

$(B)/libcommon.a: $(COMMON_OBJS)
	rm -f $@
	ar rcs $@ $(COMMON_OBJS)

$(COMMON_UNITS): %: %.c $(B)/libcommon.a
	$(CC) $(CFLAGS) $(COMMON_INC) $(PKG_CFLAGS) $(LDFLAGS) \
	    -Wno-missing-prototypes -o $@ $< $(B)/libcommon.a $(LDLIBS) -latf-c
# --- end of common/ ----------------------------------------------------------

# --- imapd/: the IMAP server, on common/ alone ---------------------------------
# Compiled with -Icommon -Iimapd: imapd includes nothing of smtpd's.
# build/libimapd.a holds imapd/ but main.c; its unit tests are
# regress/unit/imapd_*_test.c, its fuzz targets regress/fuzz/imapd_*_fuzz.c.
IMAPD_SRCS  := $(filter-out imapd/main.c,$(wildcard imapd/*.c))
IMAPD_OBJS  := $(patsubst %.c,$(O)/%.o,$(IMAPD_SRCS)) $(O)/imapd/parse.o
IMAPD_INC    = -Icommon -Iimapd
IMAPD_HDRS  := $(wildcard common/*.h imapd/*.h)
IMAPD_UNITS := $(patsubst %.c,%,$(wildcard regress/unit/imapd_*_test.c))
IMAPD_BIN   := $(if $(wildcard imapd/main.c),$(B)/imapd)

# imapd.conf(5): byacc also writes build/obj/imapd/parse.h (build/imapd
# is the binary)
$(O)/imapd/parse.c: imapd/parse.y
	@mkdir -p $(O)/imapd
	$(YACC) -d -o $@ imapd/parse.y

$(O)/imapd/parse.h: $(O)/imapd/parse.c

$(O)/imapd/parse.o: $(O)/imapd/parse.c $(IMAPD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(IMAPD_INC) $(PKG_CFLAGS) -Wno-missing-prototypes \
	    -c -o $@ $(O)/imapd/parse.c

$(O)/imapd/%.o: imapd/%.c $(IMAPD_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(IMAPD_INC) $(PKG_CFLAGS) -c -o $@ $<

$(B)/libimapd.a: $(IMAPD_OBJS)
	rm -f $@
	ar rcs $@ $(IMAPD_OBJS)

$(B)/imapd: $(O)/imapd/main.o $(B)/libimapd.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $(O)/imapd/main.o $(B)/libimapd.a \
	    $(B)/libcommon.a $(LDLIBS)
	chmod 0711 $@	# unreadable, as smtpd

$(IMAPD_UNITS): %: %.c $(B)/libimapd.a $(B)/libcommon.a
	$(CC) $(CFLAGS) $(IMAPD_INC) $(PKG_CFLAGS) $(LDFLAGS) \
	    -Wno-missing-prototypes -o $@ $< $(B)/libimapd.a \
	    $(B)/libcommon.a $(LDLIBS) -latf-c
# --- end of imapd/ -----------------------------------------------------------
SH_SRCS   := $(wildcard regress/integration/*_test.sh)
SH_BINS   := $(patsubst %.sh,%,$(SH_SRCS))
# make check-package: run against the installed package, not in make check
PKG_SRCS  := $(wildcard regress/package/*_test.sh)
PKG_BINS  := $(patsubst %.sh,%,$(PKG_SRCS))
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))

# sendmail, mailq and newaliases: smtpctl picks its personality from argv[0]
CTL_LINKS := $(B)/sendmail $(B)/mailq $(B)/newaliases

all: $(B)/smtpd $(B)/smtpctl $(CTL_LINKS) $(IMAPD_BIN)

$(B)/parse.c: smtpd/parse.y
	@mkdir -p $(B)
	$(YACC) -d -o $@ $<	# also build/parse.h (token numbers)

$(B)/parse.h: $(B)/parse.c

$(O)/parse.o: $(B)/parse.c
	$(CC) $(CFLAGS) $(DAEMON_INC) $(PKG_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(O)/%.o: %.c $(wildcard common/*.h smtpd/*.h smtp/*.h lka/*.h queue/*.h agent/*.h \
    signer/*.h) $(B)/parse.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DAEMON_INC) $(PKG_CFLAGS) -c -o $@ $<

$(B)/libcartero.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $(LIB_OBJS)

$(B)/smtpd: $(SMTPD_OBJS) $(B)/libcartero.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $(SMTPD_OBJS) $(B)/libcartero.a \
	    $(B)/libcommon.a $(LDLIBS)
	chmod 0711 $@	# unreadable: agents are not dumpable from exec on

$(B)/smtpctl: $(SMTPCTL_OBJS) $(B)/libcartero.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $(SMTPCTL_OBJS) $(B)/libcartero.a \
	    $(B)/libcommon.a $(LDLIBS)

$(CTL_LINKS): $(B)/smtpctl
	ln -sf smtpctl $@

regress/unit/%_test: regress/unit/%_test.c $(B)/libcartero.a $(B)/libcommon.a \
    $(SMTPCTL_SRCS)
	$(CC) $(CFLAGS) $(DAEMON_INC) $(PKG_CFLAGS) $(LDFLAGS) \
	    -Wno-missing-prototypes -o $@ $< $(B)/libcartero.a \
	    $(B)/libcommon.a $(LDLIBS) -latf-c

regress/integration/%_test: regress/integration/%_test.sh
	cp $< $@ && chmod +x $@

regress/package/%_test: regress/package/%_test.sh
	cp $< $@ && chmod +x $@

# Helpers the integration tests run (not test programs themselves):
# route_lookup drives lka's resolver and route lookup (dns_test).
TEST_HELPERS := $(B)/route_lookup

$(B)/route_lookup: regress/integration/route_lookup.c $(B)/libcartero.a \
    $(B)/libcommon.a
	$(CC) $(CFLAGS) $(DAEMON_INC) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(B)/libcartero.a $(B)/libcommon.a $(LDLIBS)

# imapd_stdio: one PREAUTH session on stdin/stdout (imapd_session_test)
TEST_HELPERS += $(B)/imapd_stdio

$(B)/imapd_stdio: regress/integration/imapd_stdio.c $(B)/libimapd.a \
    $(B)/libcommon.a
	$(CC) $(CFLAGS) $(IMAPD_INC) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(B)/libimapd.a $(B)/libcommon.a $(LDLIBS)

tests: $(TEST_HELPERS)

$(B)/bench/%: bench/%.c $(B)/libcartero.a $(B)/libcommon.a
	@mkdir -p $(B)/bench
	$(CC) $(CFLAGS) $(DAEMON_INC) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(B)/libcartero.a $(B)/libcommon.a $(LDLIBS) -lssl -lcrypto -lm -lpthread

#
# Fuzzing and sanitizers (make fuzz, make check-asan).
#
# make fuzz: every regress/fuzz/<name>_fuzz.c is a libFuzzer target, built
# with clang into build/fuzz/<name>_fuzz against its own copy of the
# library (objects under build/fuzz/obj, instrumented; the normal build is
# not touched) and run by .ci/fuzz.sh for FUZZ_SECONDS seconds each on a
# copy of regress/fuzz/corpus/<name>/ (dictionary: regress/fuzz/<name>.dict).
#
# make check-asan: the whole tree built with ASan and UBSan in a copy under
# build/asan/src (so that the tests find build/smtpd as usual) and the
# whole suite run there by .ci/asan.sh.
FUZZ_CC	 ?= clang
FUZZ_SECONDS ?= 60
FUZZ_B	 = $(B)/fuzz
FUZZ_O	 = $(FUZZ_B)/obj
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_CFLAGS = $(filter-out -O2 -D_FORTIFY_SOURCE=2,$(CFLAGS)) -O1 -g \
	   $(FUZZ_SAN) -Wno-unused-command-line-argument
FUZZ_SRCS := $(wildcard regress/fuzz/*_fuzz.c)
FUZZ_BINS := $(patsubst regress/fuzz/%.c,$(FUZZ_B)/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS := $(patsubst $(O)/%,$(FUZZ_O)/%,$(LIB_OBJS))
FUZZ_COMMON_OBJS := $(patsubst $(O)/%,$(FUZZ_O)/%,$(COMMON_OBJS))
FUZZ_HDRS := $(wildcard common/*.h smtpd/*.h smtp/*.h lka/*.h queue/*.h \
	     agent/*.h signer/*.h)

$(FUZZ_O)/parse.o: $(B)/parse.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DAEMON_INC) \
	    $(PKG_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# common/ keeps its -Icommon only, as in the normal build
$(FUZZ_O)/common/%.o: common/%.c $(wildcard common/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(COMMON_INC) \
	    $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_O)/%.o: %.c $(FUZZ_HDRS) $(B)/parse.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DAEMON_INC) \
	    $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_B)/libcartero.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJS)

$(FUZZ_B)/libcommon.a: $(FUZZ_COMMON_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_COMMON_OBJS)

# imapd's targets link imapd's library, as its unit tests do
FUZZ_IMAPD_OBJS := $(patsubst $(O)/%,$(FUZZ_O)/%,$(IMAPD_OBJS))
FUZZ_IMAPD_BINS := $(filter $(FUZZ_B)/imapd_%,$(FUZZ_BINS))

$(FUZZ_O)/imapd/parse.o: $(O)/imapd/parse.c $(IMAPD_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(IMAPD_INC) \
	    $(PKG_CFLAGS) -Wno-missing-prototypes -c -o $@ $(O)/imapd/parse.c

$(FUZZ_O)/imapd/%.o: imapd/%.c $(IMAPD_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(IMAPD_INC) \
	    $(PKG_CFLAGS) -c -o $@ $<

$(FUZZ_B)/libimapd.a: $(FUZZ_IMAPD_OBJS)
	rm -f $@
	ar rcs $@ $(FUZZ_IMAPD_OBJS)

$(FUZZ_IMAPD_BINS): $(FUZZ_B)/%: regress/fuzz/%.c $(FUZZ_B)/libimapd.a \
    $(FUZZ_B)/libcommon.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(IMAPD_INC) \
	    $(PKG_CFLAGS) -o $@ $< $(FUZZ_B)/libimapd.a \
	    $(FUZZ_B)/libcommon.a $(LDLIBS)

$(FUZZ_B)/%_fuzz: regress/fuzz/%_fuzz.c $(FUZZ_B)/libcartero.a \
    $(FUZZ_B)/libcommon.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(DAEMON_INC) \
	    $(PKG_CFLAGS) -o $@ $< $(FUZZ_B)/libcartero.a \
	    $(FUZZ_B)/libcommon.a $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# FUZZ_TARGETS: the names to run (make fuzz FUZZ_TARGETS="dkim spf"),
# every target by default
FUZZ_TARGETS ?= $(patsubst regress/fuzz/%_fuzz.c,%,$(FUZZ_SRCS))
FUZZ_RUN := $(patsubst %,$(FUZZ_B)/%_fuzz,$(FUZZ_TARGETS))

fuzz: deps
	$(MAKE) $(FUZZ_RUN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh .ci/fuzz.sh $(FUZZ_RUN)

check-asan: deps
	@sh etc/setup.sh
	@sh .ci/asan.sh


# Kyua wants plain names in a Kyuafile: one per directory, included.
KYUAFILES := regress/Kyuafile regress/unit/Kyuafile \
	     regress/integration/Kyuafile

regress/Kyuafile: regress/unit/Kyuafile regress/integration/Kyuafile
	@{ echo 'syntax(2)'; echo 'test_suite("cartero")'; \
	  echo 'include("unit/Kyuafile")'; \
	  echo 'include("integration/Kyuafile")'; } > $@

regress/unit/Kyuafile: $(UNIT_SRCS) Makefile
	@{ echo 'syntax(2)'; echo 'test_suite("cartero")'; \
	  for t in $(notdir $(UNIT_BINS)); do \
	    echo "atf_test_program{name=\"$$t\"}"; done; } > $@

regress/integration/Kyuafile: $(SH_SRCS) Makefile
	@{ echo 'syntax(2)'; echo 'test_suite("cartero")'; \
	  for t in $(notdir $(SH_BINS)); do \
	    echo "atf_test_program{name=\"$$t\", required_user=\"root\"}"; \
	  done; } > $@

regress/package/Kyuafile: $(PKG_SRCS) Makefile
	@{ echo 'syntax(2)'; echo 'test_suite("cartero")'; \
	  for t in $(notdir $(PKG_BINS)); do \
	    echo "atf_test_program{name=\"$$t\", required_user=\"root\"}"; \
	  done; } > $@

tests: all $(UNIT_BINS) $(SH_BINS) $(BENCH_BINS) $(KYUAFILES)

package-tests: $(PKG_BINS) regress/package/Kyuafile

deps:
	@sh .ci/deps.sh

setup: all
	@sh etc/setup.sh

check: deps
	$(MAKE) tests
	@sh etc/setup.sh
	@sh .ci/kyua.sh

run: deps
	$(MAKE) all
	@sh etc/setup.sh
	@sh etc/run.sh

bench: deps
	$(MAKE) tests
	@sh etc/setup.sh
	@sh bench/run.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0711 $(B)/smtpd $(DESTDIR)$(SBINDIR)/smtpd
	install -m 0711 $(B)/imapd $(DESTDIR)$(SBINDIR)/imapd
	install -m 0755 $(B)/smtpctl $(DESTDIR)$(SBINDIR)/smtpctl
	ln -sf smtpctl $(DESTDIR)$(SBINDIR)/sendmail
	ln -sf $(SBINDIR)/smtpctl $(DESTDIR)$(BINDIR)/mailq
	ln -sf $(SBINDIR)/smtpctl $(DESTDIR)$(BINDIR)/newaliases
	install -m 0644 man/smtpd.8 man/smtpctl.8 man/imapd.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/smtpd.conf.5 man/imapd.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/
	if [ -n "$(UNITDIR)" ]; then \
	    install -d $(DESTDIR)$(UNITDIR) && \
	    sed 's|/usr/sbin/|$(SBINDIR)/|g' etc/cartero.service \
	    >$(DESTDIR)$(UNITDIR)/cartero.service && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/cartero.service && \
	    sed 's|/usr/sbin/|$(SBINDIR)/|g' etc/cartero-imapd.service \
	    >$(DESTDIR)$(UNITDIR)/cartero-imapd.service && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/cartero-imapd.service; fi
	[ -n "$(DESTDIR)" ] || sh etc/setup.sh

# The Debian package, built by dpkg-buildpackage from a copy of the tree
# under build/deb (dpkg-buildpackage writes to the parent directory).
deb: deps
	@sh .ci/deb.sh

# Build the package, install it over the machine's MTA, check it.
check-package: deps
	@sh .ci/package.sh

lint:
	@sh .ci/lint.sh

clean:
	rm -rf $(B) $(UNIT_BINS) $(SH_BINS) $(KYUAFILES) $(PKG_BINS) \
	    regress/package/Kyuafile

.PHONY: all tests deps setup check run bench install lint clean deb \
	check-package package-tests fuzz fuzz-build check-asan
