# Loupe. Two commands do all set-up on a fresh Debian 12 machine:
#   make demo   installs what is missing, builds, and runs the main job on the bundled demo evidence
#   make test   installs what is missing and runs the whole test suite
GO       ?= go
BIN      := bin
DEMO_OUT := out/demo
export CGO_ENABLED := 1

.PHONY: all deps deps-all build cli gui demo test test-short vet fuzz bench fixtures screenshot clean

all: build

deps:
	./.ci/install-deps.sh

deps-all:
	./.ci/install-deps.sh --all

cli:
	$(GO) build -o $(BIN)/loupe-cli ./cmd/loupe-cli

gui:
	$(GO) build -o $(BIN)/loupe ./cmd/loupe

build: cli gui

# The main job on the bundled demo evidence (the two-segment E01 of the GPT disk).
demo: deps cli
	@mkdir -p $(DEMO_OUT)
	./testdata/demo.sh $(BIN)/loupe-cli $(DEMO_OUT)

vet:
	$(GO) vet ./...

test: deps vet
	$(GO) test -race -count=1 ./...

test-short:
	$(GO) test -short ./...

fixtures: deps-all
	./testdata/gen/make-fixtures.sh

bench: deps-all cli
	./testdata/bench/run-all.sh $(BIN)/loupe-cli

clean:
	rm -rf $(BIN) out
