# SPDX-License-Identifier: GPL-2.0-only
#
# perftop: build the module against an installed kernel's headers, and run the
# project's checks.  Kbuild rules are in ./Kbuild.
#
#   make                      build perftop.ko for $(KERNELRELEASE)
#   make KERNELRELEASE=6.12.107+deb12-amd64
#   make install              modules_install + depmod
#   make tools                the perftop command (tools/perftop, perftop(1))
#   make check                the whole test suite in QEMU (see README.md)
#   make check-cli            the command's tests, on the host
#   make demo                 boot a VM, run a workload, print /proc/perftop
#   make bench-names          how fast perftop(1) names a full table (host)

KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
VERSION := $(shell sed -n 's/^\#define PERFTOP_VERSION "\(.*\)"/\1/p' $(CURDIR)/perftop.h)
CHECKPATCH ?= $(firstword $(wildcard $(KDIR)/scripts/checkpatch.pl) tests/.checkpatch/scripts/checkpatch.pl)

# The module's sources, as DKMS builds them: the one list that packaging,
# lint and the tests use (make sources).  perftop.c includes the other .c
# files; Kbuild compiles only perftop.c.
MODULE_SOURCES := Kbuild Makefile perftop.c probe.c resolve.c table.c uwtab.c procfs.c perftop.h compat.h unwind.h
# Where source-install puts them (DESTDIR in front, for packaging).
SRCDIR ?= /usr/src/perftop-$(VERSION)

.PHONY: all module tools clean install style sparse lint check check-cli check-guest \
	check-packages demo bench bench-names dist dkms-install dkms-remove version sources source-install

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools/perftop

clean:
	rm -rf *.o *.ko *.mod *.mod.c .*.cmd modules.order Module.symvers .tmp_versions \
		perftop-*.tar.gz build
	$(MAKE) -C tools/perftop clean

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KERNELRELEASE)

version:
	@echo $(VERSION)

sources:
	@echo $(MODULE_SOURCES)

# The DKMS source tree: the sources and dkms.conf with its version set.
source-install:
	install -d $(DESTDIR)$(SRCDIR)
	install -p -m 0644 $(MODULE_SOURCES) $(DESTDIR)$(SRCDIR)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DESTDIR)$(SRCDIR)/dkms.conf

# The kernel's own linters.
style:
	tests/lint/lint.sh checkpatch

sparse:
	tests/lint/lint.sh sparse

lint:
	tests/lint/lint.sh all

# Everything CI runs, ending with one "N passed, N failed" line.
check:
	tests/run all

check-cli:
	tests/run cli

check-guest:
	tests/run guest

check-packages:
	tests/run packages

demo:
	tests/dev/demo.sh

bench:
	tests/bench/run.sh

bench-names:
	tests/bench/names.sh

# The release tarball, perftop-VERSION.tar.gz, of the committed tree
# (perftop.spec and the packaging tests build from it).
dist:
	mkdir -p build
	git archive --format=tar.gz --prefix=perftop-$(VERSION)/ -o build/perftop-$(VERSION).tar.gz HEAD
	@echo build/perftop-$(VERSION).tar.gz

# For people working from a checkout; packages do this through dh_dkms/%post.
# Replaces an earlier dkms-install of the same version.
dkms-install:
	if [ -e /var/lib/dkms/perftop/$(VERSION) ]; then dkms remove -m perftop -v $(VERSION) --all; fi
	rm -rf /usr/src/perftop-$(VERSION)
	$(MAKE) source-install DESTDIR= SRCDIR=/usr/src/perftop-$(VERSION)
	dkms add -m perftop -v $(VERSION)
	dkms install -m perftop -v $(VERSION) -k $(KERNELRELEASE)

dkms-remove:
	if [ -e /var/lib/dkms/perftop/$(VERSION) ]; then dkms remove -m perftop -v $(VERSION) --all; fi
	rm -rf /usr/src/perftop-$(VERSION)
