# sanitizers.sh - the run-time options of the ASan+UBSan build, for the
# scripts that run it (test.sh, soak.sh). Sourced, with ROOT set:
#   sanitizer_env    exports ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS
#                    (any report fails its test; leak checks on where
#                    LeakSanitizer works here, with a message otherwise)

# Does LeakSanitizer work here? It cannot under some sandboxes (ptrace
# restrictions); then it is switched off rather than failing every test.
lsan_works() {
	tmp=$(mktemp -d)
	cat >"$tmp/leak.c" <<-'EOF_C'
	#include <stdlib.h>
	void *volatile p;
	int main(void) { p = malloc(7); p = 0; return 0; }
	EOF_C
	ok=1
	if cc -fsanitize=address -g "$tmp/leak.c" -o "$tmp/leak" 2>/dev/null
	then
		ASAN_OPTIONS=detect_leaks=1 "$tmp/leak" >"$tmp/out" 2>&1 || true
		grep -q "LeakSanitizer: detected memory leaks" "$tmp/out" || ok=""
	else
		ok=""
	fi
	rm -rf "$tmp"
	[ -n "$ok" ]
}

sanitizer_env() {
	leaks=0
	if lsan_works; then
		leaks=1
	else
		echo "$(basename "$0"): LeakSanitizer does not work here;" \
		    "leak checks off"
	fi
	ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=$leaks"
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_stack_use_after_return=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:check_initialization_order=1"
	ASAN_OPTIONS="$ASAN_OPTIONS:strict_init_order=1"
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
	LSAN_OPTIONS="suppressions=$ROOT/tests/harness/lsan.supp:print_suppressions=0"
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
}
