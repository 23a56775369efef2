package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/stack"
)

// VerifyAudit checks the audit trail of an existing data directory and prints the report to w. It reports
// whether the chain verified.
func VerifyAudit(ctx context.Context, cfg config.Config, w io.Writer) (bool, error) {
	st, err := openExisting(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer st.Meta.Close()
	rep, err := audit.Verify(ctx, st.Meta, st.Seal.Derive("audit chain"))
	if err != nil {
		return false, err
	}
	fmt.Fprintln(w, rep.String())
	return rep.OK(), nil
}

// openExisting opens the stores of an existing data directory, for the commands that read a server's data
// (they may run while it runs). The caller closes st.Meta.
func openExisting(ctx context.Context, cfg config.Config) (stack.Stores, error) {
	if _, err := os.Stat(filepath.Join(cfg.DataDir, formatFile)); errors.Is(err, fs.ErrNotExist) {
		return stack.Stores{}, fmt.Errorf("%s is not a seclake data directory; pass --data with the server's data directory", cfg.DataDir)
	}
	st, _, err := openStores(ctx, cfg, NewLogger(cfg, io.Discard), Options{}.withDefaults())
	return st, err
}
