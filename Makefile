# The two commands: `make demo` runs the product on simulated hardware; `make test` runs every test.
.PHONY: demo test build clean
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
build:
	swift build
clean:
	rm -rf .build .demo
