"""Pure domain rules: no I/O, no framework. See DESIGN.md, "Core concepts"."""
