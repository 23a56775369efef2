package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHelpExplainsEveryCommand checks what a newcomer types first: the top-level help lists every command and
// how to start, each command's --help explains it and exits 0, and a mistyped command says so and exits 2.
func TestHelpExplainsEveryCommand(t *testing.T) {
	out, code := runSeclake(t, "--help")
	require.Equal(t, 0, code, out)
	for _, want := range []string{"serve", "audit verify", "trail validate", "events failures", "events redrive", "ingest", "query", "version", "Quick start", "sts get-caller-identity"} {
		require.Contains(t, out, want)
	}
	for _, cmd := range [][]string{{"serve"}, {"audit", "verify"}, {"trail", "validate"}, {"ingest"}, {"ingest", "add"}, {"query"}} {
		out, code := runSeclake(t, append(cmd, "--help")...)
		require.Equal(t, 0, code, out)
		require.Contains(t, out, "Usage: seclake "+strings.Join(cmd, " "), out)
	}
	out, code = runSeclake(t, "serve", "--help")
	require.Equal(t, 0, code)
	for _, flag := range []string{"-listen", "-data", "-tls-cert", "-meta", "-blob", "-target", "/_seclake/jobs", "SECLAKE_ROOT_KEY"} {
		require.Contains(t, out, flag, "serve --help explains %s", flag)
	}
	out, code = runSeclake(t, "srve")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, `unknown command "srve"`)
}
