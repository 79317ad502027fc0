# mlops.hosts developer entry points. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
BUILD := $(CURDIR)/.build
PY := $(VENV)/bin/python
# The Galaxy tools (galaxy-importer pins attrs and flake8 below .venv's) and the lowest ansible-core
# meta/runtime.yml allows each get their own virtualenv; .venv has the newest that runs on this Python.
GALAXY_VENV := $(BUILD)/venv-galaxy
LOWEST_VENV := $(BUILD)/venv-core-lowest
LAB_DISTROS ?= debian11 debian12 debian13
SCENARIOS ?= $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(BUILD)/collections
export ANSIBLE_INJECT_FACT_VARS := false
export LAB_DISTROS

.PHONY: checks unit-only integration static test-full ee host-deps help venv collection-link lab-images lab-dists lab-up lab-down demo test lint sanity unit argspecs readmes core-lowest core-newest molecule package bench bench-lab clean

help:
	@echo "make demo   - build the lab, converge playbooks/site.yml on it, print how to reach it"
	@echo "make test   - every test: lint, unit, argument specs and role READMEs, unit and ansible-test sanity on the lowest"
	@echo "              and the newest ansible-core, Molecule (every scenario on Debian 12, base on 11/12/13), packaging"
	@echo "              (galaxy-importer, antsibull-docs and antsibull-changelog lint)"
	@echo "make readmes - regenerate roles/*/README.md from the roles' meta/argument_specs.yml"
	@echo "make test-full - the same plus sanity on .venv's ansible-core, every Molecule scenario on Debian 11, 12 and 13, each under Mitogen, and the tests make test leaves out (full_matrix_only)"
	@echo "make ee     - build the execution environment image mlops-hosts-ee (docs/awx.md)"
	@echo "make bench  - benchmark converge and no-change runs per scenario and distribution"
	@echo "make bench-lab - benchmark a no-change check of the converged lab (make demo) over SSH and under Mitogen"
	@echo "LAB_DISTROS='debian12' and SCENARIOS='base' narrow Molecule and the benchmark."

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed collection-link

$(GALAXY_VENV)/.installed: tests/requirements/galaxy.txt
	python3 -m venv $(GALAXY_VENV)
	$(GALAXY_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

$(LOWEST_VENV)/.installed: tests/requirements/core-lowest.txt
	python3 -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

# The collection is used in place: .build/collections/ansible_collections/mlops/hosts -> this checkout.
collection-link:
	@mkdir -p $(BUILD)/collections/ansible_collections/mlops
	@ln -sfn ../../../.. $(BUILD)/collections/ansible_collections/mlops/hosts

# Debian packages the lab and the linters need on the machine that runs them (installed when root).
host-deps:
	@bash lab/host-deps.sh

lab-images: host-deps
	bash lab/build-images.sh

# The lab's Kafka and Hadoop builds from Maven Central (lab/*-dist.sh; cached, rebuilt when their inputs change), one
# after the other: they share Maven's local repository.
lab-dists:
	bash lab/kafka-dist.sh >/dev/null
	bash lab/hadoop-dist.sh >/dev/null

lab-up: venv lab-images
	bash lab/up.sh

lab-down:
	bash lab/down.sh

demo: lab-up
	ansible-playbook -i inventories/lab/hosts.yml playbooks/site.yml
	ansible-playbook -i inventories/lab/hosts.yml lab/demo-logins.yml
	bash lab/summary.sh

# No `sanity` here: core-lowest and core-newest run the same tests/sanity.sh on the lowest and newest
# ansible-core, which bracket .venv's pinned one; test-full adds it.
# Molecule in the foreground, the other checks beside it at a lower CPU priority (tests/all.sh says why).
# The lowest ansible-core's and the Galaxy tools' virtualenvs are made by the checks that use them, in the background.
# What it needs first is made side by side: on a fresh machine the virtualenv takes 1.5 minutes, the host's
# packages and the images 3.5, the lab's Kafka and Hadoop builds 2.2 (2026-12-02).
test:
	MLOPS_TEST_START=$$(date +%s); export MLOPS_TEST_START; \
	$(MAKE) --no-print-directory -j3 --output-sync=target venv lab-images lab-dists && \
	bash tests/all.sh $(SCENARIOS)
	@echo "make test: all checks passed"

# What make test runs beside Molecule, on idle CPU only (tests/all.sh).
checks: venv lint core-lowest core-newest unit-only argspecs package

# The same with every Molecule scenario on every distribution (make test: 61 to 78 minutes on 2 cores over 2026-12-05 to 07; this about three times its Molecule part).
test-full: export MOLECULE_MATRIX := full
test-full: sanity test

# lint, sanity on the lowest and newest ansible-core and the execution environment side by side: each keeps about one
# core busy (on 2 cores 2.5 minutes instead of 4). Each one's output is printed whole when it ends.
static: venv
	$(MAKE) -j3 --output-sync=target lint core-lowest core-newest ee

lint: venv host-deps
	yamllint -s .
	ansible-lint --profile production
	shellcheck -x lab/*.sh lab/files/lab-apt-proxy lab/hadoop-dist/bin/* lab/hadoop-dist/libexec/*.sh lab/kafka-dist/bin/* tests/*.sh ee/*.sh .ci/run

sanity: venv
	bash tests/sanity.sh

unit: unit-only integration

# The two halves of `unit`: tests/unit takes seconds; tests/integration minutes, and it times its waits (a Kafka
# broker of the lab's build, ansible-runner jobs), so make test runs it beside Molecule at low CPU weight, not idle.
unit-only: venv
	pytest -q tests/unit

integration: venv
	pytest -q -n 2 --dist loadgroup --durations=12 tests/integration

argspecs: venv
	python tests/check_argument_specs.py
	python tests/role_readmes.py --check

readmes: venv
	python tests/role_readmes.py

# requires_ansible's lower bound, tested: unit tests and ansible-test sanity with that ansible-core.
core-lowest: venv $(LOWEST_VENV)/.installed
	PATH=$(LOWEST_VENV)/bin:$$PATH pytest -q tests/unit
	PATH=$(LOWEST_VENV)/bin:$$PATH bash tests/sanity.sh

# The newest ansible-core requires_ansible allows needs a newer Python than this machine's: the same tests
# in a throwaway container of the lab's Debian 13 image (Python 3.13); virtualenvs cached in /var/cache/mlops-lab.
core-newest: collection-link host-deps
	bash tests/core-newest.sh

molecule: venv lab-images
	bash tests/molecule.sh $(SCENARIOS)

package: venv $(GALAXY_VENV)/.installed
	GALAXY_VENV=$(GALAXY_VENV) bash tests/package.sh

# The execution environment image mlops-hosts-ee, built on the lab's Debian 12 image (docs/awx.md).
ee: venv lab-images
	bash ee/build.sh

bench: venv lab-images
	python tests/benchmark.py --scenarios "$(SCENARIOS)" --distros "$(LAB_DISTROS)"

# A no-change check of the whole converged lab (make demo first) over SSH and under Mitogen: time and CPU per host.
bench-lab: venv
	python tests/benchmark_lab_check.py --repeat 3

clean:
	rm -rf $(BUILD) mlops-hosts-*.tar.gz
