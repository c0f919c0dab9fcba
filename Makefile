# Build and test entry points; .ci/run runs `make check`.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

FUZZTIME ?= 20s
COUNT ?= 10
# Pinned tools (golangci-lint, benchstat, gotestsum) live in tools/go.mod so
# they never touch the main module's dependencies.
TOOL := go tool -modfile=tools/go.mod
# gotestsum prints go test's own output (the ok/FAIL lines) and then lists
# every skipped test with its reason, so missing requirements show in CI.
GOTEST := $(TOOL) gotestsum --format standard-quiet --

.PHONY: all check fmt-check vet lint test deps fuzz bench benchstat generate build clean
all: build

check: fmt-check vet lint test

fmt-check:
	@out=$$(find . -path ./.git -prune -o -name testdata -prune -o -name '*.go' -print | xargs -r gofmt -l); \
	if [ -n "$$out" ]; then echo "gofmt -w needed on:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

lint:
	$(TOOL) golangci-lint run ./...

deps:
	scripts/deps

# Two passes: every test without -race (this is where allocation assertions
# run, and the world-size cases that -race would make slow), then every test
# but the allocation ones with -race, whose summary closes the output.
test: deps
	$(GOTEST) -count=1 ./...
	$(GOTEST) -race -count=1 -skip Allocs ./...

# Runs every Fuzz target in the module for FUZZTIME each.
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz

bench:
	go test -run '^$$' -bench . -benchmem -count $(COUNT) ./... | tee bench.txt

# `make benchstat` summarizes bench.txt; `make benchstat BASE=old.txt` compares.
benchstat:
	$(TOOL) benchstat $(BASE) bench.txt

generate:
	go generate ./...

# The version and commit come from git when there is one.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
build:
	go build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/seawall ./cmd/seawall

clean:
	rm -rf bin bench.txt
